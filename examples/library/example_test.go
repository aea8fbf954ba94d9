package main

import (
	"os"

	"coopcloud.tech/cc-ci/ccci/sweep"
)

func Example_markdown() {
	markdown(os.Stdout, []sweep.Decision{
		{Recipe: "gitea", Action: sweep.ActionRun, Reason: sweep.NewVersion, From: "3.5.3+1.24.2", To: "3.6.0+1.24.2"},
		{Recipe: "keycloak", Action: sweep.ActionRun, Reason: sweep.NeverVerified, To: "10.1.0+26.0.5"},
		{Recipe: "nextcloud", Action: sweep.ActionSkip, Reason: sweep.UpToDate, To: "6.0.1+28.0.2-fpm"},
		{Recipe: "traefik", Action: sweep.ActionSkip, Reason: sweep.CanonicalAhead, Warning: true,
			Detail: "canonical 3.0.1+v3.0.1 > latest tag 3.0.0+v3.0.0"},
	})
	// Output:
	// **cc-ci: 2 of 4 recipes to test**
	// - `gitea` 3.5.3+1.24.2 → `3.6.0+1.24.2` (new-version)
	// - `keycloak` none → `10.1.0+26.0.5` (never-verified)
	// - ⚠ `traefik`: canonical 3.0.1+v3.0.1 > latest tag 3.0.0+v3.0.0
}
