#include "controlplane/topology_dot.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "controlplane/yaml_loader.hpp"

namespace l2vpn::cp {

std::string dot_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}
// Router and site nodes live in one namespace in DOT; prefix them.
std::string dot_router_id(std::string_view router) { return dot_quote("r:" + std::string(router)); }
std::string dot_site_id(std::string_view site) { return dot_quote("s:" + std::string(site)); }

namespace {

std::string q(std::string_view s) { return dot_quote(s); }
std::string rid(std::string_view router) { return dot_router_id(router); }
std::string sid(std::string_view site) { return dot_site_id(site); }

// Distinguishable on white, and none of them the grey of the links.
constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                    "#17becf", "#e377c2", "#8c564b", "#bcbd22", "#7f7f7f"};

}  // namespace

std::string to_dot(const Topology& topo) {
  std::ostringstream os;
  os << "graph " << q(topo.name.empty() ? "topology" : topo.name) << " {\n"
     << "  graph [overlap=false, splines=true, fontname=\"Helvetica\", label=" << q(topo.name)
     << ", labelloc=t];\n"
     << "  node [fontname=\"Helvetica\", fontsize=11];\n"
     << "  edge [fontname=\"Helvetica\", fontsize=9];\n";

  os << "  // routers\n";
  for (const Router& r : topo.routers) {
    if (r.role == RouterRole::pe)
      os << "  " << rid(r.name) << " [label=" << q(r.name + "\n" + r.loopback)
         << ", shape=box, style=\"rounded,filled\", fillcolor=\"#dbe9f6\"];\n";
    else
      os << "  " << rid(r.name) << " [label=" << q(r.name + "\n" + r.loopback)
         << ", shape=ellipse, style=filled, fillcolor=\"#eeeeee\"];\n";
  }

  os << "  // links (label: metric)\n";
  for (const Link& l : topo.links)
    os << "  " << rid(l.a) << " -- " << rid(l.b) << " [label=" << q(std::to_string(l.metric))
       << ", tooltip=" << q(l.a_port + " - " + l.b_port + ", " + format_bandwidth(l.bandwidth_bps) + ", " +
                            format_delay(l.delay_us))
       << ", color=\"#555555\", penwidth=2];\n";

  // Colour per service; sites take the colour of their service.
  std::map<std::string, std::string> site_colour;
  size_t colour_index = 0;
  auto next_colour = [&] { return kPalette[colour_index++ % std::size(kPalette)]; };
  std::ostringstream pws;
  for (const VpwsService& v : topo.vpws) {
    std::string c = next_colour();
    const Site* a = topo.find_site(v.site_a);
    const Site* b = topo.find_site(v.site_b);
    site_colour[v.site_a] = site_colour[v.site_b] = c;
    if (!a || !b) continue;
    pws << "  " << rid(a->pe) << " -- " << rid(b->pe) << " [style=dashed, color=" << q(c)
        << ", fontcolor=" << q(c) << ", label=" << q(v.name + " (pw " + std::to_string(v.pw_id) + ")")
        << ", constraint=false];\n";
  }
  for (const VplsService& v : topo.vpls) {
    std::string c = next_colour();
    std::set<std::string> mtu_s;
    for (const VplsSpoke& sp : v.spokes) mtu_s.insert(sp.mtu_s);
    // Mesh members: PEs of sites not behind an MTU-s, and the hubs.
    std::vector<std::string> mesh;
    auto add = [&](const std::string& pe) {
      if (!mtu_s.count(pe) && std::find(mesh.begin(), mesh.end(), pe) == mesh.end()) mesh.push_back(pe);
    };
    for (const std::string& s : v.sites) {
      site_colour[s] = c;
      if (const Site* site = topo.find_site(s)) add(site->pe);
    }
    for (const VplsSpoke& sp : v.spokes)
      for (const std::string& h : sp.hubs) add(h);
    bool labelled = false;
    for (size_t i = 0; i < mesh.size(); ++i)
      for (size_t j = i + 1; j < mesh.size(); ++j) {
        pws << "  " << rid(mesh[i]) << " -- " << rid(mesh[j]) << " [style=dashed, color=" << q(c)
            << ", fontcolor=" << q(c) << ", constraint=false";
        if (!labelled) pws << ", label=" << q(v.name + " (vsi " + std::to_string(v.vsi_id) + ")");
        labelled = true;
        pws << "];\n";
      }
    for (const VplsSpoke& sp : v.spokes)
      for (size_t k = 0; k < sp.hubs.size(); ++k)
        pws << "  " << rid(sp.mtu_s) << " -- " << rid(sp.hubs[k]) << " [style=\"dotted,bold\", color=" << q(c)
            << ", fontcolor=" << q(c) << ", label=" << q(k == 0 ? v.name + " spoke" : v.name + " spoke (standby)")
            << (k == 0 ? "" : ", penwidth=0.6") << ", constraint=false];\n";
  }

  os << "  // sites\n";
  for (const Site& s : topo.sites) {
    std::string label = s.name + "\n" + s.port + (s.vlan ? "." + std::to_string(s.vlan) : "");
    auto it = site_colour.find(s.name);
    std::string c = it == site_colour.end() ? "#999999" : it->second;
    os << "  " << sid(s.name) << " [label=" << q(label) << ", shape=note, color=" << q(c)
       << ", fontcolor=" << q(c) << "];\n"
       << "  " << sid(s.name) << " -- " << rid(s.pe) << " [color=" << q(c) << "];\n";
  }

  os << "  // pseudowires, one colour per service\n" << pws.str() << "}\n";
  return os.str();
}

}  // namespace l2vpn::cp
