#pragma once
// Each subcommand lives in its own cmd_*.cpp and registers itself here. A
// command's callback stores its exit status in `exit_code`.
#include <CLI/CLI.hpp>

namespace l2vpn::app {

extern int exit_code;

void add_topo_command(CLI::App& app);     // cmd_topo.cpp: load, validate, show
void add_forward_command(CLI::App& app);  // cmd_forward.cpp: one router's fast path
void add_sim_command(CLI::App& app);      // cmd_sim.cpp: emulate a whole backbone
void add_run_command(CLI::App& app);      // cmd_run.cpp: the backbone in real time with real hosts
void add_ctl_command(CLI::App& app);      // cmd_ctl.cpp: show and change a running process
void add_bench_command(CLI::App& app);
void add_node_command(CLI::App& app);     // cmd_node.cpp: one router as its own process, speaking LDP
// cmd_node.cpp: `ctl --node SOCKET show ldp ...`: one request to a node's control socket.
int run_node_show(const std::string& socket, const std::string& request, bool json);
// ctl_oam_node.cpp: `ctl --node SOCKET ping|traceroute mpls ldp PREFIX/LEN ...`
// (RFC 8029 initiators in an `l2vpn node`, node/oam_node.hpp).
void add_node_oam_commands(CLI::App& ctl, const std::string* node, const bool* json);    // cmd_bench.cpp: traffic generator and RFC 2544 runner

}  // namespace l2vpn::app
