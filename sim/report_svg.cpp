#include "sim/report_svg.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "controlplane/yaml_loader.hpp"
#include "controlplane/topology_dot.hpp"
#include "sim/backbone.hpp"

extern char** environ;

namespace l2vpn::sim {

namespace {

// Same quoting and node ids as cp::to_dot, so the drawings can be compared.
std::string q(std::string_view s) { return cp::dot_quote(s); }
std::string rid(std::string_view router) { return cp::dot_router_id(router); }
std::string sid(std::string_view site) { return cp::dot_site_id(site); }

std::string percent(double u) {
  if (u > 0 && u < 0.0005) return "<0.1%";
  return fmt::format("{:.1f}%", 100.0 * u);
}

// Grey when idle, then green, orange, red as the busier direction fills.
const char* load_colour(double u) {
  if (u < 0.001) return "#999999";
  if (u < 0.5) return "#2ca02c";
  if (u < 0.8) return "#ff7f0e";
  return "#d62728";
}

}  // namespace

std::string to_dot_with_load(const cp::Topology& topo, const Backbone& bb, uint64_t duration_ns) {
  std::ostringstream os;
  const std::string title = fmt::format("{}: link load over {:.3f} ms of emulated time",
                                        topo.name.empty() ? topo.source : topo.name,
                                        double(duration_ns) / 1e6);
  os << "graph " << q(topo.name.empty() ? "topology" : topo.name) << " {\n"
     << "  graph [overlap=false, splines=true, fontname=\"Helvetica\", label=" << q(title)
     << ", labelloc=t];\n"
     << "  node [fontname=\"Helvetica\", fontsize=11];\n"
     << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  os << "  // routers\n";
  for (const cp::Router& r : topo.routers) {
    if (r.role == cp::RouterRole::pe)
      os << "  " << rid(r.name) << " [label=" << q(r.name)
         << ", shape=box, style=\"rounded,filled\", fillcolor=\"#dbe9f6\"];\n";
    else
      os << "  " << rid(r.name) << " [label=" << q(r.name)
         << ", shape=ellipse, style=filled, fillcolor=\"#eeeeee\"];\n";
  }

  os << "  // links: utilisation a->b and b->a (serializer busy time / run), drops\n";
  const double dur = double(std::max<uint64_t>(duration_ns, 1));
  for (size_t i = 0; i < topo.links.size(); ++i) {
    const cp::Link& l = topo.links[i];
    if (i >= bb.links().size()) break;
    const EmulatedLink& e = bb.links()[i];
    const LinkStats& ab = e.a_to_b->stats();
    const LinkStats& ba = e.b_to_a->stats();
    const double uab = std::min(1.0, double(ab.busy_ns) / dur);
    const double uba = std::min(1.0, double(ba.busy_ns) / dur);
    const double busiest = std::max(uab, uba);
    const bool up = e.a_to_b->up() && e.b_to_a->up();
    const uint64_t drops = ab.drops() + ba.drops();
    std::string label = fmt::format("{}→{} {}\n{}→{} {}", l.a, l.b, percent(uab), l.b, l.a, percent(uba));
    if (drops) label += fmt::format("\ndrops {}", drops);
    if (!up) label += "\nDOWN";
    const std::string tooltip = fmt::format(
        "{}:{} - {}:{}, {}, {}; {}→{}: {} frames {} bytes, drops queue {} loss {} down {}; "
        "{}→{}: {} frames {} bytes, drops queue {} loss {} down {}",
        l.a, l.a_port, l.b, l.b_port, cp::format_bandwidth(l.bandwidth_bps), cp::format_delay(l.delay_us),
        l.a, l.b, ab.frames, ab.bytes, ab.queue_drops, ab.loss_drops, ab.down_drops, l.b, l.a, ba.frames,
        ba.bytes, ba.queue_drops, ba.loss_drops, ba.down_drops);
    os << "  " << rid(l.a) << " -- " << rid(l.b) << " [label=" << q(label) << ", tooltip=" << q(tooltip);
    if (up)
      os << ", color=" << q(load_colour(busiest)) << ", fontcolor="
         << q(drops ? "#d62728" : "#333333") << ", penwidth=" << fmt::format("{:.1f}", 1.0 + 7.0 * busiest);
    else
      os << ", color=\"#d62728\", fontcolor=\"#d62728\", style=dashed, penwidth=1.5";
    os << "];\n";
  }

  os << "  // sites\n";
  for (const cp::Site& s : topo.sites)
    os << "  " << sid(s.name) << " [label=" << q(s.name) << ", shape=note, color=\"#999999\", fontsize=9];\n"
       << "  " << sid(s.name) << " -- " << rid(s.pe) << " [color=\"#bbbbbb\"];\n";
  os << "}\n";
  return os.str();
}

Status write_svg(const std::string& dot, const std::string& path) {
  // dot reads a temporary file (no shell, so any path is safe) and writes `path`.
  char tmp[] = "/tmp/l2vpn-sim-XXXXXX.dot";
  int fd = mkstemps(tmp, 4);
  if (fd < 0) return Error{fmt::format("--svg {}: cannot create a temporary file: {}", path, std::strerror(errno))};
  const bool written = ::write(fd, dot.data(), dot.size()) == ssize_t(dot.size());
  ::close(fd);
  if (!written) {
    ::unlink(tmp);
    return Error{fmt::format("--svg {}: cannot write the temporary file {}", path, tmp)};
  }
  std::string out = path;
  char* argv[] = {const_cast<char*>("dot"), const_cast<char*>("-Tsvg"), const_cast<char*>("-o"),
                  out.data(), tmp, nullptr};
  pid_t pid;
  const int rc = posix_spawnp(&pid, "dot", nullptr, nullptr, argv, environ);
  if (rc != 0) {
    ::unlink(tmp);
    if (rc == ENOENT)
      return Error{fmt::format("--svg {}: graphviz 'dot' is not installed (Debian package graphviz)", path)};
    return Error{fmt::format("--svg {}: cannot run graphviz 'dot': {}", path, std::strerror(rc))};
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::unlink(tmp);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error{fmt::format("--svg {}: graphviz 'dot' failed (exit status {})", path,
                             WIFEXITED(status) ? WEXITSTATUS(status) : -1)};
  return Status::success();
}

}  // namespace l2vpn::sim
