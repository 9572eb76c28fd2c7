// cli/main.cc — the `opentrail` command: subcommands and their flags.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"opentrail: a self-hosted, AWS-compatible audit trail"};
  app.require_subcommand(1);
  ot::cli::AddServeCommand(app);
  ot::cli::AddJournalCommand(app);
  ot::cli::AddImportCommand(app);
  ot::cli::AddAdminCommand(app);
  ot::cli::AddValidateLogsCommand(app);
  ot::cli::AddProveEventCommand(app);
  CLI11_PARSE(app, argc, argv);
  return ot::cli::ExitCode();
}
