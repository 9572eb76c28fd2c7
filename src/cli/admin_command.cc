// cli/admin_command.cc — `opentrail admin ...`: administrative calls to a running server.
//
//   opentrail admin create-account [--account-id ID] [--name NAME] [--org-member]
//                                  [--endpoint URL] [--data-dir DIR]
//
// Signs with the management account root's credentials from DIR/credentials and prints
// the new account's root credentials as JSON on stdout.
#include <signal.h>

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

#include "cli/api_client.h"
#include "cli/commands.h"

namespace ot::cli {

namespace {

struct AdminFlags {
  std::string endpoint = std::string(kDefaultEndpoint);
  std::string data_dir = std::string(kDefaultDataDir);
  bool data_dir_explicit = false;
};

struct CreateAccountFlags {
  std::string account_id;
  std::string name;
  bool org_member = false;
};

// Pretty-prints a JSON object, two-space indented (keys in the server's order).
void PrettyPrint(std::string* out, const boost::json::value& v, int indent) {
  auto pad = [out](int n) { out->append(static_cast<size_t>(n), ' '); };
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) {
      out->append("{}");
      return;
    }
    out->append("{\n");
    bool first = true;
    for (const auto& kv : o) {
      if (!first) out->append(",\n");
      first = false;
      pad(indent + 2);
      out->append(boost::json::serialize(boost::json::string(kv.key())));
      out->append(": ");
      PrettyPrint(out, kv.value(), indent + 2);
    }
    out->append("\n");
    pad(indent);
    out->append("}");
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) {
      out->append("[]");
      return;
    }
    out->append("[\n");
    for (size_t i = 0; i < a.size(); ++i) {
      if (i > 0) out->append(",\n");
      pad(indent + 2);
      PrettyPrint(out, a[i], indent + 2);
    }
    out->append("\n");
    pad(indent);
    out->append("]");
  } else {
    out->append(boost::json::serialize(v));
  }
}

// Resolves endpoint and credentials; prints the problem and returns nullptr on failure.
std::unique_ptr<ApiClient> MakeClient(const AdminFlags& flags) {
  auto endpoint = ParseEndpoint(flags.endpoint);
  if (!endpoint.ok()) {
    std::cerr << "opentrail: " << endpoint.status().message() << "\n";
    return nullptr;
  }
  auto credentials = ResolveCredentials(flags.data_dir, flags.data_dir_explicit);
  if (!credentials.ok()) {
    std::cerr << "opentrail: " << DescribeStatus(credentials.status()) << "\n";
    return nullptr;
  }
  return std::make_unique<ApiClient>(std::move(*endpoint), std::move(*credentials));
}

int RunCreateAccount(const AdminFlags& admin, const CreateAccountFlags& flags) {
  signal(SIGPIPE, SIG_IGN);
  auto client = MakeClient(admin);
  if (!client) return 1;

  boost::json::object request;
  if (!flags.account_id.empty()) request["AccountId"] = flags.account_id;
  if (!flags.name.empty()) request["Name"] = flags.name;
  if (flags.org_member) request["OrgMember"] = true;

  auto body = client->Call("CreateAccount", boost::json::serialize(request));
  if (!body.ok()) {
    std::cerr << "opentrail: " << DescribeStatus(body.status()) << "\n";
    return 1;
  }
  boost::system::error_code ec;
  boost::json::value response = boost::json::parse(*body, ec);
  if (ec || !response.is_object() || !response.get_object().contains("AccountId")) {
    std::cerr << "opentrail: " << kErrBadResponse
              << ": CreateAccount answered an unexpected body: " << body->substr(0, 300) << "\n";
    return 1;
  }
  std::string out;
  PrettyPrint(&out, response, 0);
  out += "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

void AddAdminCommand(CLI::App& app) {
  auto admin = std::make_shared<AdminFlags>();
  auto* cmd = app.add_subcommand("admin", "Administrative calls to a running server");
  cmd->require_subcommand(1);

  auto create = std::make_shared<CreateAccountFlags>();
  auto* ca = cmd->add_subcommand(
      "create-account",
      "Create an account (only the management account's root may); prints its root "
      "credentials as JSON {\"AccountId\", \"AccessKeyId\", \"SecretAccessKey\"}");
  ca->footer(
      "Credentials: DATA_DIR/credentials (the management account's root, written by\n"
      "`opentrail serve`), else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when no data dir\n"
      "was given.\n"
      "Exit status: 0 created; 1 on any error (the AWS error code and message are printed\n"
      "on stderr).");
  ca->add_option("--account-id", create->account_id, "12-digit id of the new account (default: generated)")
      ->envname("OPENTRAIL_ACCOUNT_ID");
  ca->add_option("--name", create->name, "Name of the new account")->envname("OPENTRAIL_NAME");
  ca->add_flag("--org-member", create->org_member,
               "Make it a member of the management account's organization (created if none)")
      ->envname("OPENTRAIL_ORG_MEMBER");
  ca->add_option("--endpoint", admin->endpoint, "URL of the opentrail server")
      ->envname("OPENTRAIL_ENDPOINT")
      ->capture_default_str();
  auto* data_dir = ca->add_option("--data-dir", admin->data_dir,
                                  "Data directory of the server (for DIR/credentials)")
                       ->envname("OPENTRAIL_DATA_DIR")
                       ->capture_default_str();
  ca->callback([admin, create, data_dir] {
    admin->data_dir_explicit = data_dir->count() > 0;
    SetExitCode(RunCreateAccount(*admin, *create));
  });
}

}  // namespace ot::cli
