# NixOS module for cc-ci: builds cc-ci-run and cc-ci-sweep, writes
# /etc/cc-ci/ccci.toml from one attribute set (settings.nix), installs the
# sweep's service and timer, and puts `cc-ci-run -export` in login shells,
# so the host, the Drone exec runner and the timer share one declaration.
#
#   imports = [ ./cc-ci/examples/nixos/module.nix ];
#   services.cc-ci = {
#     enable = true;
#     src = ./cc-ci;                      # the cc-ci source tree
#     vendorHash = "sha256-...";          # see the option's description
#     settings.sweep.notify = [ "/run/current-system/sw/bin/cc-ci-notify" ];
#     droneRunnerService = "drone-runner-exec";
#   };
{ config, lib, pkgs, ... }:
let
  cfg = config.services.cc-ci;
  toml = pkgs.formats.toml { };
  configFile = toml.generate "ccci.toml" cfg.settings;

  cc-ci = pkgs.buildGoModule {
    pname = "cc-ci";
    version = "0.1.0";
    src = cfg.src;
    inherit (cfg) vendorHash;
    subPackages = [ "cmd/cc-ci-run" "cmd/cc-ci-sweep" ];
    # The tests need git, flock and chromium; CI runs them, not the build.
    doCheck = false;
  };

  tools = pkgs.symlinkJoin {
    name = "cc-ci-tools";
    paths = cfg.toolPackages;
  };

  sweep = "${cc-ci}/bin/cc-ci-sweep";
in
{
  options.services.cc-ci = {
    enable = lib.mkEnableOption "the cc-ci recipe sweep and its shared environment";

    src = lib.mkOption {
      type = lib.types.path;
      description = "The cc-ci source tree (a checkout, or fetchgit).";
    };

    vendorHash = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = lib.fakeHash;
      description = ''
        Hash of the Go module dependencies. The default is a placeholder:
        the first build fails and prints the right hash ("got: sha256-..."),
        which goes here. null when the source tree holds a vendor directory.
      '';
    };

    toolPackages = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = with pkgs; [ docker-client git git-lfs bash python3 curl jq openssl gnutar procps ]
        ++ lib.optional (pkgs ? abra) pkgs.abra;
      description = "Packages whose bin directories make up the tool set, first in [env] path.";
    };

    stateDir = lib.mkOption {
      type = lib.types.str;
      default = "/var/lib/cc-ci";
      description = "State file, run directories, board and the jobs' HOME.";
    };

    settings = lib.mkOption {
      type = toml.type;
      default = import ./settings.nix {
        toolsBin = "${tools}/bin";
        inherit (cfg) stateDir;
      };
      description = "The whole of ccci.toml, as one attribute set (see settings.nix).";
    };

    schedule = lib.mkOption {
      type = lib.types.str;
      default = "Mon *-*-* 03:00:00";
      description = "When the sweep runs (systemd OnCalendar); weekly by default.";
    };

    droneRunnerService = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = "drone-runner-exec";
      description = "The Drone exec runner's systemd service: given cc-ci on its PATH and the lock group.";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.etc."cc-ci/ccci.toml".source = configFile;
    environment.systemPackages = [ cc-ci ];
    # Login shells get the declared environment: the same tools as the jobs.
    environment.interactiveShellInit = ''
      eval "$(${cc-ci}/bin/cc-ci-run -export)"
    '';

    users.users.cc-ci = {
      isSystemUser = true;
      group = "cc-ci";
      extraGroups = [ "docker" ];
      home = "${cfg.stateDir}/home";
      createHome = true;
    };
    users.groups.cc-ci = { };

    # The lock directory shared with Drone jobs, there from boot.
    systemd.tmpfiles.rules = [ "d /run/cc-ci 0770 cc-ci cc-ci -" ];

    systemd.services = {
      cc-ci-sweep = {
        description = "cc-ci recipe sweep";
        wants = [ "network-online.target" ];
        after = [ "network-online.target" "docker.service" ];
        requires = [ "docker.service" ];
        restartTriggers = [ configFile ];
        serviceConfig = {
          Type = "oneshot";
          User = "cc-ci";
          Group = "cc-ci";
          SupplementaryGroups = [ "docker" ];
          ExecStart = "${sweep} run -config /etc/cc-ci/ccci.toml";
          ExecStopPost = "${sweep} report -config /etc/cc-ci/ccci.toml -html ${cfg.stateDir}/board";
          SuccessExitStatus = [ 75 ];
          TimeoutStartSec = "12h";
          TimeoutStopSec = "2min";
          KillMode = "mixed";
          Delegate = true; # each recipe run in a cgroup of its own (see the Debian unit)
          StateDirectory = "cc-ci";
          RuntimeDirectory = "cc-ci";
          RuntimeDirectoryMode = "0770";
          RuntimeDirectoryPreserve = "yes";
          NoNewPrivileges = true;
          ProtectSystem = "strict";
          ReadWritePaths = [ cfg.stateDir "/run/cc-ci" "-/run/docker.sock" "-/var/lib/prometheus/node-exporter" ];
          ProtectHome = true;
          PrivateTmp = true;
          StateDirectoryMode = "0750";
          Environment = "HOME=${cfg.stateDir}/home";
          ProtectKernelTunables = true;
          ProtectKernelModules = true;
          ProtectControlGroups = false; # the delegated subtree stays writable
          RestrictSUIDSGID = true;
          LockPersonality = true;
          RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" "AF_NETLINK" ];
        };
      };
    } // lib.optionalAttrs (cfg.droneRunnerService != null) {
      ${cfg.droneRunnerService} = {
        path = [ cc-ci ];
        serviceConfig.SupplementaryGroups = [ "cc-ci" "docker" ];
      };
    };

    systemd.timers.cc-ci-sweep = {
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = cfg.schedule;
        Persistent = true;
        RandomizedDelaySec = "45min";
      };
    };
  };
}
