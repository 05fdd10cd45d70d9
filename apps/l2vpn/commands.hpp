#pragma once
// Each subcommand lives in its own cmd_*.cpp and registers itself here. A
// command's callback stores its exit status in `exit_code`.
#include <CLI/CLI.hpp>

namespace l2vpn::app {

extern int exit_code;

void add_topo_command(CLI::App& app);     // cmd_topo.cpp: load, validate, show
void add_forward_command(CLI::App& app);  // cmd_forward.cpp: one router's fast path
void add_sim_command(CLI::App& app);      // cmd_sim.cpp: emulate a whole backbone

}  // namespace l2vpn::app
