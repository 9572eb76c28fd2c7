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
    auto store = storage::OpenRocksDb(*data_dir + "/db", server::AllFamilies(0));
    if (!store.ok()) {
      std::cerr << "opentrail: " << store.status().message() << "\n";
      return SetExitCode(1);
    }
    auto journal = journal::Journal::Open(*data_dir + "/journal", store->get());
    if (!journal.ok()) {
      std::cerr << "opentrail: " << journal.status().message() << "\n";
      return SetExitCode(1);
    }
    std::vector<journal::Entry> entries;
    for (uint64_t next = (*journal)->FirstSequence();;) {
      entries.clear();
      auto s = (*journal)->Read(next, 4096, &entries);
      if (!s.ok()) {
        std::cerr << "opentrail: " << s.message() << "\n";
        return SetExitCode(1);
      }
      if (entries.empty()) break;
      for (auto& e : entries) std::cout << e.sequence << ' ' << e.record << '\n';
      next = entries.back().sequence + 1;
    }
    SetExitCode(0);
  });
}

}  // namespace ot::cli
