# The cc-ci declaration as one Nix attribute set: module.nix turns it into
# /etc/cc-ci/ccci.toml with pkgs.formats.toml, and both binaries (the Drone
# jobs through cc-ci-run, the timer's cc-ci-sweep, login shells through
# cc-ci-run -export) read that one file. The tool list lives here only.
#
# It needs nothing from nixpkgs, so it can be evaluated on its own:
#   nix-instantiate --eval --strict --json -E "import ./settings.nix { }"
{
  toolsBin ? "/run/current-system/sw/bin", # bin directory of the tool set
  stateDir ? "/var/lib/cc-ci",
  runner ? "${stateDir}/cc-ci/runner/run_recipe_ci.py",
}:
let
  system = "/run/current-system/sw/bin";
in
{
  env = {
    path = [ toolsBin ] ++ (if toolsBin == system then [ ] else [ system ]);
    tools = [ "abra" "docker" "git" "git-lfs" "bash" "python3" "curl" "jq" "openssl" "tar" "ps" ];
    pass = [ "DRONE_*" "CI" "TERM" "CCCI_*" ];
    strict = true; # jobs see only the tools above
    vars = {
      HOME = "${stateDir}/home";
      PLAYWRIGHT_BROWSERS_PATH = "${stateDir}/playwright";
    };
    require = {
      git-lfs = ">= 3.0";
    };
  };
  sweep = {
    recipes = "${stateDir}/home/.abra/recipes";
    state = "${stateDir}/canonical.json";
    runs = "${stateDir}/runs";
    run = [ runner ];
    jobs = 1;
    timeout = "60m";
    grace = "30s";
    defer = "2h";
    lockdir = "/run/cc-ci";
    sync = true;
    history = 30;
    # running for months: README "Retention, disk, retries, metrics"
    keep = 30;
    min_free = "5GiB";
    disk_paths = [ "/var/lib/docker" ];
    retries = 1;
    metrics = "/var/lib/prometheus/node-exporter/cc-ci.prom";
  };
}
