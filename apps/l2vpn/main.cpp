// The `l2vpn` command: thin; parses arguments and calls the libraries.
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "dataplane/eal.hpp"

namespace l2vpn::app {
int exit_code = 0;
}

int main(int argc, char** argv) {
  CLI::App app{"l2vpn: MPLS L2VPN emulator and label-switching dataplane"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "l2vpn 0.1");
  l2vpn::app::add_topo_command(app);
  l2vpn::app::add_node_command(app);
  l2vpn::app::add_forward_command(app);
  l2vpn::app::add_sim_command(app);
  l2vpn::app::add_run_command(app);
  l2vpn::app::add_ctl_command(app);
  l2vpn::app::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  // A command that started EAL ends it (its runtime directory under
  // /var/run/dpdk goes at exit, dataplane/eal.cpp).
  l2vpn::dp::eal_cleanup();
  return l2vpn::app::exit_code;
}
