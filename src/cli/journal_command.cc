// cli/journal_command.cc — `opentrail journal dump`: prints the journal of a stopped server,
// one record per line, prefixed by its sequence number. For audits and crash tests.
#include <iostream>

#include "cli/commands.h"
#include "journal/journal.h"
#include "server/app.h"
#include "storage/kv_store.h"

namespace ot::cli {

void AddJournalCommand(CLI::App& app) {
  auto data_dir = std::make_shared<std::string>("./opentrail-data");
  auto* cmd = app.add_subcommand("journal", "Inspect the journal of a stopped server");
  auto* dump = cmd->add_subcommand("dump", "Print every record as '<sequence> <json>'");
  dump->add_option("--data-dir", *data_dir, "Data directory")->envname("OPENTRAIL_DATA_DIR");
  cmd->require_subcommand(1);
  dump->callback([data_dir] {
    auto store = storage::OpenRocksDb(*data_dir + "/db", server::AllFamilies());
    if (!store.ok()) {
      std::cerr << "opentrail: " << store.status().message() << "\n";
      return SetExitCode(1);
    }
    auto it = (*store)->NewIterator(journal::kJournalFamily);
    for (it->SeekToFirst(); it->Valid(); it->Next())
      std::cout << storage::DecodeU64(it->key()) << ' ' << it->value() << '\n';
    SetExitCode(it->status().ok() ? 0 : 1);
  });
}

}  // namespace ot::cli
