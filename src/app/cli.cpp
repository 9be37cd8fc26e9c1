#include "app/cli.hpp"

#include <array>
#include <ostream>

#include "common/text.hpp"

namespace kirchhoff::app {

namespace {

// A registry: adding a subcommand adds a line here and a file of its own.
constexpr std::array kCommands = {
    Command{"run", "run [--config FILE] [--data DIR]",
            "run the daemon (the demo house on the simulator without --config)", run_command},
    Command{"history", "history list|read|energy|peak|stats|events ...",
            "read the history of a data directory (see 'kirchhoff history')", history_command},
    Command{"backup", "backup [--data DIR] OUT_DIR",
            "copy a data directory consistently, also while the daemon runs", backup_command},
    Command{"restore", "restore [--data DIR] BACKUP_DIR",
            "put a backup into a data directory no daemon is using", restore_command},
    Command{"user", "user add|passwd|remove|list ...",
            "manage the accounts of the local API (see 'kirchhoff user')", user_command},
    Command{"check", "check FILE",
            "validate an installation file; one line per problem as FILE:LINE:COL", check_command},
    Command{"describe", "describe FILE",
            "show an installation as a tree with its bill of materials", describe_command},
    Command{"simulate", "simulate --config FILE --days N --seed S",
            "run the site on the simulator faster than real time; print KPIs as JSON",
            simulate_command},
    Command{"whatif", "whatif --data DIR [--vary KEY=V1,V2]...",
            "replay a site's history with a bigger battery, more PV, ...; print savings as JSON",
            whatif_command},
    Command{"meter", "meter --config FILE --samples CSV",
            "compute V, I, P, Q, S, PF, f and energy of a recorded waveform; print JSON",
            meter_command},
    Command{"diagnose", "diagnose --config FILE --samples CSV",
            "find CTs on the wrong phase or mounted backwards; print verdicts and the fixed file",
            diagnose_command},
    Command{"p1", "p1 [FILE|-]",
            "parse a DSMR / e-MUCS P1 smart meter telegram; print its objects as JSON", p1_command},
    Command{"sunspec", "sunspec HOST:PORT [--unit N]",
            "discover a SunSpec device over Modbus; print its models and points as JSON",
            sunspec_command},
    Command{"record", "record --config FILE [--seconds N]",
            "write simulated voltage and current samples as CSV for 'meter'", record_command},
};

void print_help(std::ostream& out) {
  out << "Kirchhoff - home and building energy management\n\n"
         "usage: kirchhoff COMMAND [ARGS]\n\ncommands:\n";
  for (const Command& command : kCommands) {
    out << "  " << command.usage;
    for (std::size_t pad = command.usage.size(); pad < 44; ++pad) {
      out << ' ';
    }
    out << command.summary << "\n";
  }
  out << "  help                                        show this text\n";
}

}  // namespace

int report_installation_error(const CommandContext& ctx, const common::Error& error) {
  ctx.err << error.message << "\n";
  return error.kind == common::ErrorKind::kIoError ? kExitUnreadable : kExitInvalid;
}

int run_cli(std::span<const std::string> argv, std::ostream& out, std::ostream& err) {
  if (argv.size() < 2 || argv[1] == "help" || argv[1] == "--help" || argv[1] == "-h") {
    print_help(argv.size() < 2 ? err : out);
    return argv.size() < 2 ? kExitUnreadable : kExitOk;
  }
  if (argv[1] == "--version") {
    out << "kirchhoff 0.1.0\n";
    return kExitOk;
  }
  for (const Command& command : kCommands) {
    if (argv[1] == command.name) {
      return command.run(CommandContext{argv.subspan(2), out, err});
    }
  }
  std::array<std::string_view, kCommands.size()> names{};
  for (std::size_t i = 0; i < kCommands.size(); ++i) {
    names[i] = kCommands[i].name;
  }
  err << "kirchhoff: unknown command '" << argv[1] << "'" << common::did_you_mean(argv[1], names)
      << "; see 'kirchhoff help'\n";
  return kExitUnreadable;
}

}  // namespace kirchhoff::app
