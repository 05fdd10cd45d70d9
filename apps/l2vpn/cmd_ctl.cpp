// `l2vpn ctl`: show and change a running process (issue 8). Registers nothing until it is built.
#include "commands.hpp"

namespace l2vpn::app {

void add_ctl_command(CLI::App&) {}

}  // namespace l2vpn::app
