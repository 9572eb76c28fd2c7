// cli/commands.h — each subcommand registers itself on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace ot::cli {

void AddServeCommand(CLI::App& app);
void AddJournalCommand(CLI::App& app);
void AddImportCommand(CLI::App& app);
void AddAdminCommand(CLI::App& app);
void AddValidateLogsCommand(CLI::App& app);
void AddProveEventCommand(CLI::App& app);  // also verify-proof

// The exit code the chosen subcommand set.
int ExitCode();
void SetExitCode(int code);

}  // namespace ot::cli
