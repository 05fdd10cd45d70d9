// `l2vpn ctl --node SOCKET ping mpls ldp PREFIX/LEN [--count N] [--json]` and
// `traceroute mpls ldp PREFIX/LEN [--multipath] [--json]`: the RFC 8029
// initiators of an `l2vpn node` (node/oam_node.hpp). The node builds and
// sends the echo requests down its LSP and prints what came back, in the
// style of a router's `ping mpls` / `traceroute mpls`; --json for scripts.
// Exit 0 when every request got "egress for the FEC" (ping) or every path
// reached the egress (traceroute), 1 otherwise.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "node/ldp_node.hpp"
#include "node/oam_node.hpp"

namespace l2vpn::app {

namespace {

struct OamCmd {
  std::vector<std::string> words;  // mpls ldp PREFIX/LEN
  uint32_t count = 5, timeout_ms = 2000, interval_ms = 0, max_ttl = 30;
  bool multipath = false, json = false;
};

int run_oam(const std::string& node, bool trace, const OamCmd& c, bool json) {
  if (node.empty()) {
    std::fprintf(stderr, "l2vpn ctl: %s mpls needs --node SOCKET (an `l2vpn node` control socket)\n",
                 trace ? "traceroute" : "ping");
    return 2;
  }
  if (c.words.size() != 3 || c.words[0] != "mpls" || c.words[1] != "ldp") {
    std::fprintf(stderr, "l2vpn ctl: expected '%s mpls ldp PREFIX/LEN'\n", trace ? "traceroute" : "ping");
    return 2;
  }
  std::string req = fmt::format("{} mpls ldp {} timeout {}", trace ? "traceroute" : "ping", c.words[2], c.timeout_ms);
  if (trace) req += fmt::format(" max-ttl {}{}", c.max_ttl, c.multipath ? " multipath" : "");
  else req += fmt::format(" count {} interval {}", c.count, c.interval_ms);
  // Ask for JSON always: it says whether all went well; print text unless --json.
  std::string ans_json, ans;
  try {
    ans_json = node::control_request(node, req + " json");
    if (ans_json.rfind("error:", 0) == 0) {
      std::fputs(ans_json.c_str(), stderr);
      return 1;
    }
    ans = json ? ans_json : "";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "l2vpn ctl: %s\n", e.what());
    return 1;
  }
  bool all = false;
  try {
    const auto j = nlohmann::json::parse(ans_json);
    if (trace) {
      all = !j["paths"].empty();
      for (const auto& p : j["paths"]) all = all && p["complete"].get<bool>();
    } else {
      all = j["egress"].get<uint32_t>() == j["sent"].get<uint32_t>();
    }
    if (!json) ans = node::format_oam(j);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "l2vpn ctl: the node's answer is not what was expected: %s\n", e.what());
    return 1;
  }
  std::fputs(ans.c_str(), stdout);
  return all ? 0 : 1;
}

}  // namespace

void add_node_oam_commands(CLI::App& ctl, const std::string* node, const bool* json) {
  auto c = std::make_shared<OamCmd>();
  auto* ping = ctl.add_subcommand("ping", "LSP ping (RFC 8029) from an `l2vpn node` (--node): ping mpls ldp PREFIX/LEN");
  ping->add_option("what", c->words, "mpls ldp PREFIX/LEN")->required()->expected(3);
  ping->add_option("--count", c->count, "echo requests to send")->capture_default_str()->check(CLI::Range(1u, 10000u));
  ping->add_option("--interval-ms", c->interval_ms, "wait between requests, ms")->check(CLI::Range(0u, 60000u));
  ping->add_option("--timeout-ms", c->timeout_ms, "wait for each reply, ms")->capture_default_str()->check(CLI::Range(1u, 60000u));
  ping->add_flag("--json", c->json, "print JSON for scripts");
  ping->callback([c, node, json] { exit_code = run_oam(*node, false, *c, *json || c->json); });
  auto* tr = ctl.add_subcommand("traceroute",
                                "LSP traceroute (RFC 8029) from an `l2vpn node` (--node): traceroute mpls ldp PREFIX/LEN");
  tr->add_option("what", c->words, "mpls ldp PREFIX/LEN")->required()->expected(3);
  tr->add_flag("--multipath", c->multipath, "walk every ECMP branch (DDMAP with a bit-masked label set)");
  tr->add_option("--max-ttl", c->max_ttl, "give up after this many hops")->capture_default_str()->check(CLI::Range(1u, 255u));
  tr->add_option("--timeout-ms", c->timeout_ms, "wait for each reply, ms")->capture_default_str()->check(CLI::Range(1u, 60000u));
  tr->add_flag("--json", c->json, "print JSON for scripts");
  tr->callback([c, node, json] { exit_code = run_oam(*node, true, *c, *json || c->json); });
}

}  // namespace l2vpn::app
