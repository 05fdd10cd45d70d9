#include "controlplane/yaml_loader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "controlplane/graphml_importer.hpp"
#include "controlplane/spelling.hpp"
#include "controlplane/yaml_primitives.hpp"
#include "controlplane/yaml_reader.hpp"

namespace l2vpn::cp {

// ---------------------------------------------------------------------------
// YAML.

namespace {

Result<Topology> parse_yaml_impl(std::string_view text, std::string_view source_name) {
  Ctx ctx{std::string(source_name), {}};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    return Error{ctx.at(e.mark.line >= 0 ? e.mark.line + 1 : 0) + ": YAML syntax error: " + e.msg};
  }
  if (!root.IsDefined() || root.IsNull()) return Error{ctx.file + ": the file is empty"};

  MapReader top(ctx, root, "", {"name", "backbone", "routers", "links", "sites", "services"}, 1);
  if (!top.ok()) return Error{join_errors(ctx.errors)};

  Topology topo;
  topo.source = ctx.file;
  topo.name = std::filesystem::path(ctx.file).stem().string();
  top.str("name", topo.name);

  // Defaults every link without its own value gets.
  Link link_default;
  enum class PeMode { all, automatic, list } pe_mode = PeMode::automatic;
  std::vector<std::string> pe_list;
  int pe_line = 0;
  bool have_backbone = false;
  std::set<std::string> backbone_names;

  if (top.has("backbone")) {
    MapReader bb(ctx, top.node("backbone"), "backbone",
                 {"graphml", "pe", "metric", "default_metric", "bandwidth", "delay", "mtu"}, top.line_of("backbone"));
    if (bb.ok()) {
      GraphMlOptions opt;
      opt.default_metric = link_default.metric;
      if (bb.uint("default_metric", opt.default_metric, 1, kMaxMetric)) link_default.metric = opt.default_metric;
      if (bb.has("metric")) {
        std::string m;
        if (bb.scalar("metric", m)) {
          if (m == "distance") opt.metric = MetricMode::distance;
          else if (m == "hops") opt.metric = MetricMode::hops, link_default.metric = 1;
          else if (auto v = parse_uint(m); v && *v >= 1 && *v <= kMaxMetric)
            opt.metric = MetricMode::constant, opt.default_metric = link_default.metric = static_cast<uint32_t>(*v);
          else bb.error("metric", "'metric' must be distance, hops or a number in [1, 16777215], found " + squote(m));
        }
      }
      if (bb.bandwidth("bandwidth", link_default.bandwidth_bps)) opt.bandwidth_bps = link_default.bandwidth_bps;
      if (bb.delay("delay", link_default.delay_us)) opt.delay_us = link_default.delay_us;
      if (bb.uint("mtu", link_default.mtu, 0, UINT32_MAX)) opt.mtu = link_default.mtu;

      if (bb.has("pe")) {
        pe_line = bb.line_of("pe");
        YAML::Node pe = bb.node("pe");
        if (pe.IsScalar() && pe.Scalar() == "all") pe_mode = PeMode::all;
        else if (pe.IsScalar() && pe.Scalar() == "auto") pe_mode = PeMode::automatic;
        else if (bb.name_list("pe", pe_list)) pe_mode = PeMode::list;
        else if (pe.IsScalar()) bb.error("pe", "'pe' must be all, auto or a list of node names, found " + squote(pe.Scalar()));
      }

      std::string graphml;
      if (bb.str("graphml", graphml)) {
        have_backbone = true;
        std::filesystem::path p(graphml);
        if (p.is_relative()) p = std::filesystem::path(ctx.file).parent_path() / p;
        Result<Topology> g = import_graphml(p.lexically_normal().string(), opt);
        if (!g.ok()) {
          ctx.error(bb.line_of("graphml"), "backbone", g.error().message);
          return Error{join_errors(ctx.errors)};
        }
        topo.routers = std::move(g->routers);
        topo.links = std::move(g->links);
        topo.warnings = std::move(g->warnings);
        for (const Router& r : topo.routers) backbone_names.insert(r.name);
      } else if (!bb.has("graphml") && bb.has("pe")) {
        bb.error("pe", "'pe' needs a 'graphml' backbone");
      }
    }
  }

  // Routers: new ones, or changes to backbone nodes.
  std::set<std::string> explicit_role, explicit_labels, yaml_routers;
  std::vector<YAML::Node> items;
  if (top.list("routers", items)) {
    for (size_t i = 0; i < items.size(); ++i) {
      MapReader r(ctx, items[i], item_what("router", items[i], i),
                  {"name", "role", "loopback", "lsr_id", "external", "labels", "explicit_null", "latitude",
                   "longitude"},
                  top.line_of("routers"));
      if (!r.ok()) continue;
      std::string name;
      if (!r.str("name", name, true)) continue;
      if (!yaml_routers.insert(name).second) {
        // Kept, so that validation reports it with every other error.
        topo.routers.push_back(Router{});
        topo.routers.back().name = name;
        topo.routers.back().where = {ctx.file, r.line()};
        continue;
      }
      Router* target = nullptr;
      for (Router& existing : topo.routers)
        if (existing.name == name) target = &existing;
      if (!target) {
        topo.routers.push_back(Router{});
        target = &topo.routers.back();
        target->name = name;
      }
      target->where = {ctx.file, r.line()};
      std::string role;
      if (r.choice("role", role, {"pe", "p"})) {
        target->role = role == "pe" ? RouterRole::pe : RouterRole::p;
        explicit_role.insert(name);
      }
      if (r.str("loopback", target->loopback) && !parse_ipv4(target->loopback))
        r.error("loopback", "loopback " + squote(target->loopback) + " is not an IPv4 address");
      if (r.has("labels")) {
        MapReader lr(ctx, r.node("labels"), r.what() + " labels", {"first", "last"}, r.line_of("labels"));
        if (lr.ok()) {
          LabelRange range;
          bool f = lr.uint("first", range.first, 0, UINT32_MAX);
          bool l = lr.uint("last", range.last, 0, UINT32_MAX);
          if (!lr.has("first")) lr.missing("first");
          if (!lr.has("last")) lr.missing("last");
          if (f && l) {
            target->labels = range;
            explicit_labels.insert(name);
          }
        }
      }
      r.boolean("explicit_null", target->explicit_null);
      r.boolean("external", target->external);
      std::string lsr_id;
      if (r.str("lsr_id", lsr_id)) {  // the LDP name of a loopback
        if (!parse_ipv4(lsr_id))
          r.error("lsr_id", "lsr_id " + squote(lsr_id) + " is not an IPv4 address");
        else if (r.has("loopback") && lsr_id != target->loopback)
          r.error("lsr_id", "lsr_id " + squote(lsr_id) + " differs from loopback " +
                                squote(target->loopback) + " (they are the same address)");
        else
          target->loopback = lsr_id;
      }
      if (target->external && !r.has("lsr_id") && !r.has("loopback"))
        r.error("external", "an external router needs its lsr_id (we cannot pick its address)");
      double lat = 0, lon = 0;
      if (r.number("latitude", lat, -90, 90)) target->latitude = lat;
      if (r.number("longitude", lon, -180, 180)) target->longitude = lon;
      if (target->latitude.has_value() != target->longitude.has_value())
        r.error("name", "latitude and longitude go together");
    }
  }

  // Links: new ones, or changes to a backbone link between the same routers.
  if (top.list("links", items)) {
    for (size_t i = 0; i < items.size(); ++i) {
      MapReader r(ctx, items[i], "link #" + std::to_string(i + 1),
                  {"a", "b", "metric", "bandwidth", "delay", "mtu", "a_port", "b_port", "parallel"},
                  top.line_of("links"));
      if (!r.ok()) continue;
      std::string a, b;
      bool ok = r.str("a", a, true);
      ok = r.str("b", b, true) && ok;
      if (!ok) continue;
      r.set_what("link " + a + " - " + b);
      bool parallel = false;
      r.boolean("parallel", parallel);
      Link* target = nullptr;
      bool swapped = false;
      if (!parallel)
        for (size_t k = 0; k < topo.links.size() && !target; ++k) {
          Link& l = topo.links[k];
          if (l.where.file == ctx.file) continue;  // only backbone links are overridden
          if (l.a == a && l.b == b) target = &l;
          else if (l.a == b && l.b == a) target = &l, swapped = true;
        }
      if (!target) {
        topo.links.push_back(link_default);
        target = &topo.links.back();
        target->a = a;
        target->b = b;
      }
      target->where = {ctx.file, r.line()};
      r.uint("metric", target->metric, 1, kMaxMetric);
      r.bandwidth("bandwidth", target->bandwidth_bps);
      r.delay("delay", target->delay_us);
      r.uint("mtu", target->mtu, 0, UINT32_MAX);
      std::string port;
      if (r.str("a_port", port)) (swapped ? target->b_port : target->a_port) = port;
      if (r.str("b_port", port)) (swapped ? target->a_port : target->b_port) = port;
    }
  }

  // Sites.
  if (top.list("sites", items)) {
    for (size_t i = 0; i < items.size(); ++i) {
      MapReader r(ctx, items[i], item_what("site", items[i], i), {"name", "pe", "port", "vlan", "mode", "mtu", "control_word", "interface"},
                  top.line_of("sites"));
      if (!r.ok()) continue;
      Site s;
      s.where = {ctx.file, r.line()};
      bool ok = r.str("name", s.name, true);
      ok = r.str("pe", s.pe, true) && ok;
      if (!ok) continue;
      r.str("port", s.port);
      r.uint("vlan", s.vlan, 0, kMaxVlan);
      std::string mode;
      if (r.choice("mode", mode, {"raw", "tagged"})) s.mode = mode == "raw" ? AcMode::raw : AcMode::tagged;
      if (r.has("mtu")) {
        uint32_t mtu = 0;
        if (r.uint("mtu", mtu, kMinServiceMtu, kMaxServiceMtu)) s.mtu = mtu;
      }
      if (r.has("control_word")) {
        bool cw = false;
        if (r.boolean("control_word", cw)) s.control_word = cw;
      }
      r.str("interface", s.interface);
      topo.sites.push_back(std::move(s));
    }
  }

  // Services.
  if (top.has("services")) {
    MapReader sv(ctx, top.node("services"), "services", {"vpws", "vpls"}, top.line_of("services"));
    if (sv.ok() && sv.list("vpws", items)) {
      for (size_t i = 0; i < items.size(); ++i) {
        MapReader r(ctx, items[i], item_what("vpws", items[i], i),
                    {"name", "pw_id", "sites", "control_word", "mtu", "flow_label"}, sv.line_of("vpws"));
        if (!r.ok()) continue;
        VpwsService v;
        v.where = {ctx.file, r.line()};
        if (!r.str("name", v.name, true)) continue;
        r.uint("pw_id", v.pw_id, 1, UINT32_MAX);
        std::vector<std::string> s;
        if (r.name_list("sites", s, true)) {
          if (s.size() != 2) r.error("sites", "'sites' must name exactly two sites, names " + std::to_string(s.size()));
          else v.site_a = s[0], v.site_b = s[1];
        }
        r.boolean("control_word", v.control_word);
        r.uint("mtu", v.mtu, 0, UINT32_MAX);
        r.boolean("flow_label", v.flow_label);
        if (v.site_a.empty()) continue;  // already reported
        topo.vpws.push_back(std::move(v));
      }
    }
    if (sv.ok() && sv.list("vpls", items)) {
      for (size_t i = 0; i < items.size(); ++i) {
        MapReader r(ctx, items[i], item_what("vpls", items[i], i),
                    {"name", "vsi_id", "sites", "spokes", "mac_limit", "aging", "flood_rate", "control_word",
                     "mtu", "bum"},
                    sv.line_of("vpls"));
        if (!r.ok()) continue;
        VplsService v;
        v.where = {ctx.file, r.line()};
        if (!r.str("name", v.name, true)) continue;
        r.uint("vsi_id", v.vsi_id, 1, UINT32_MAX);
        r.name_list("sites", v.sites);
        std::vector<YAML::Node> spokes;
        if (r.list("spokes", spokes)) {
          for (size_t k = 0; k < spokes.size(); ++k) {
            MapReader sp(ctx, spokes[k], r.what() + " spoke #" + std::to_string(k + 1), {"mtu_s", "hubs"},
                         r.line_of("spokes"));
            if (!sp.ok()) continue;
            VplsSpoke spoke;
            spoke.where = {ctx.file, sp.line()};
            if (!sp.str("mtu_s", spoke.mtu_s, true)) continue;
            sp.name_list("hubs", spoke.hubs, true);
            v.spokes.push_back(std::move(spoke));
          }
        }
        r.uint("mac_limit", v.mac_limit, 1, 16'777'216);
        r.uint_unit("aging", "s", v.aging_seconds, 1, 86400, "seconds (300 or 300s)");
        r.uint_unit("flood_rate", "/s", v.flood_rate_pps, 0, 100'000'000, "frames per second (2000 or 2000/s)");
        r.boolean("control_word", v.control_word);
        r.uint("mtu", v.mtu, 0, UINT32_MAX);
        std::string bum;
        if (r.choice("bum", bum, {"ingress", "p2mp"}))
          v.bum_mode = bum == "ingress" ? BumMode::ingress_replication : BumMode::p2mp_tree;
        topo.vpls.push_back(std::move(v));
      }
    }
  }

  if (!ctx.errors.empty()) return Error{join_errors(ctx.errors)};

  // Roles of backbone nodes.
  if (have_backbone) {
    std::set<std::string> pes;
    if (pe_mode == PeMode::list) {
      for (const std::string& n : pe_list) {
        if (!backbone_names.count(n))
          ctx.error(pe_line, "backbone", "pe " + squote(n) + " is not a node of the GraphML backbone");
        pes.insert(n);
      }
    } else if (pe_mode == PeMode::automatic) {
      for (const Site& s : topo.sites) pes.insert(s.pe);
      for (const VplsService& v : topo.vpls)
        for (const VplsSpoke& sp : v.spokes) {
          pes.insert(sp.mtu_s);
          pes.insert(sp.hubs.begin(), sp.hubs.end());
        }
    }
    for (Router& r : topo.routers) {
      if (!backbone_names.count(r.name) || explicit_role.count(r.name)) continue;
      if (pe_mode == PeMode::all) continue;  // as imported: PEs, hyperedges P
      r.role = pes.count(r.name) ? RouterRole::pe : RouterRole::p;
    }
    if (!ctx.errors.empty()) return Error{join_errors(ctx.errors)};
  }

  for (size_t i = 0; i < topo.routers.size(); ++i)
    if (!explicit_labels.count(topo.routers[i].name))
      topo.routers[i].labels = default_label_range(i, topo.routers.size());

  fill_defaults(topo);
  if (Status st = validate_topology(topo, &topo.warnings); !st.ok()) return st.error();
  return topo;
}

}  // namespace

Result<Topology> parse_topology_yaml(std::string_view text, std::string_view source_name) {
  // yaml-cpp throws from conversions and iterators; nothing may escape.
  try {
    return parse_yaml_impl(text, source_name);
  } catch (const YAML::Exception& e) {
    return Error{SourceLocation{std::string(source_name), e.mark.line >= 0 ? e.mark.line + 1 : 0}.str() +
                 ": " + e.msg};
  } catch (const std::exception& e) {
    return Error{std::string(source_name) + ": " + e.what()};
  }
}

Result<Topology> load_topology(const std::string& path) {
  try {
    if (std::filesystem::path(path).extension() == ".graphml") {
      Result<Topology> g = import_graphml(path);
      if (!g.ok()) return g;
      Topology topo = std::move(g.value());
      for (size_t i = 0; i < topo.routers.size(); ++i)
        topo.routers[i].labels = default_label_range(i, topo.routers.size());
      fill_defaults(topo);
      if (Status st = validate_topology(topo, &topo.warnings); !st.ok()) return st.error();
      return topo;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return Error{path + ": is a directory, not a topology file"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) return Error{path + ": cannot read"};
    return parse_topology_yaml(buf.str(), path);
  } catch (const std::exception& e) {
    return Error{path + ": " + e.what()};
  }
}

}  // namespace l2vpn::cp
