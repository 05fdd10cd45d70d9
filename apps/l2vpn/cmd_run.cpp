// `l2vpn run`: the backbone in real time with real hosts (issue 6). Registers nothing until it is built.
#include "commands.hpp"

namespace l2vpn::app {

void add_run_command(CLI::App&) {}

}  // namespace l2vpn::app
