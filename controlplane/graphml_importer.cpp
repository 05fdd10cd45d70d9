#include "controlplane/graphml_importer.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <unordered_map>

#include <pugixml.hpp>

namespace l2vpn::cp {

namespace {

// Byte offset -> 1-based line, for pugixml's offset_debug().
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') newlines_.push_back(i);
  }
  int line_of(ptrdiff_t offset) const {
    if (offset < 0) return 0;
    auto it = std::lower_bound(newlines_.begin(), newlines_.end(), static_cast<size_t>(offset));
    return static_cast<int>(it - newlines_.begin()) + 1;
  }

 private:
  std::vector<size_t> newlines_;
};

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return std::string(s.substr(b, e - b));
}

std::optional<double> parse_double(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end == s.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A <key>: what its id means for nodes, edges or the graph.
struct KeyDef {
  std::string name;
  std::string domain;  // node, edge, graph, all
  std::string default_value;
  bool has_default = false;
};

struct Node {
  std::string id;
  std::string label;
  bool has_label = false;
  std::optional<double> lat, lon;
  bool hyperedge = false;
  int line = 0;
};

struct Edge {
  size_t a, b;
  std::optional<double> speed_bps;
  int line;
};

// data values of one element by attribute name, defaults applied.
std::map<std::string, std::string> element_data(const pugi::xml_node& element,
                                                const std::unordered_map<std::string, KeyDef>& keys,
                                                std::string_view domain) {
  std::map<std::string, std::string> out;
  for (const auto& [id, key] : keys)
    if (key.has_default && (key.domain == domain || key.domain == "all"))
      out[key.name] = key.default_value;
  for (pugi::xml_node d : element.children("data")) {
    auto it = keys.find(d.attribute("key").as_string());
    // Data with an undeclared key: GraphML allows the key id to be the name.
    std::string name = it != keys.end() ? it->second.name : d.attribute("key").as_string();
    out[name] = d.text().as_string();
  }
  return out;
}

}  // namespace

double great_circle_km(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0;
  constexpr double kRad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

Result<Topology> parse_graphml(std::string_view text, std::string_view source_name,
                               const GraphMlOptions& options) {
  const std::string src(source_name);
  LineIndex lines(text);
  auto at = [&](int line) { return SourceLocation{src, line}.str(); };

  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size(), pugi::parse_default);
  if (!parsed)
    return Error{at(lines.line_of(parsed.offset)) + ": malformed XML: " + parsed.description()};

  pugi::xml_node root = doc.child("graphml");
  if (!root) return Error{src + ": not GraphML: no <graphml> root element"};

  std::unordered_map<std::string, KeyDef> keys;
  for (pugi::xml_node k : root.children("key")) {
    KeyDef def;
    def.name = k.attribute("attr.name").as_string(k.attribute("id").as_string());
    def.domain = k.attribute("for").as_string("all");
    if (pugi::xml_node d = k.child("default")) {
      def.default_value = d.text().as_string();
      def.has_default = true;
    }
    keys[k.attribute("id").as_string()] = def;
  }

  pugi::xml_node graph = root.child("graph");
  if (!graph) return Error{src + ": GraphML has no <graph> element"};

  Topology topo;
  topo.source = src;
  auto warn = [&](int line, const std::string& what) { topo.warnings.push_back(at(line) + ": " + what); };
  // Untidy files repeat one kind of repair hundreds of times (Ntt.graphml
  // has 153 parallel links): name the first few, then count the rest.
  constexpr int kWarningsPerKind = 5;
  std::map<std::string, int> repairs;
  auto repair = [&](const std::string& kind, int line, const std::string& what) {
    if (++repairs[kind] <= kWarningsPerKind) warn(line, what);
  };
  if (graph.next_sibling("graph"))
    warn(lines.line_of(graph.next_sibling("graph").offset_debug()),
         "only the first <graph> is imported");

  {
    auto gdata = element_data(graph, keys, "graph");
    if (auto it = gdata.find("label"); it != gdata.end() && !trim(it->second).empty())
      topo.name = trim(it->second);
    else if (auto it2 = gdata.find("Network"); it2 != gdata.end() && !trim(it2->second).empty())
      topo.name = trim(it2->second);
    else
      topo.name = std::filesystem::path(src).stem().string();
  }

  // Nodes, in document order.
  std::vector<Node> nodes;
  std::unordered_map<std::string, size_t> node_index;
  for (pugi::xml_node n : graph.children("node")) {
    Node node;
    node.line = lines.line_of(n.offset_debug());
    pugi::xml_attribute id = n.attribute("id");
    if (!id || trim(id.as_string()).empty())
      return Error{at(node.line) + ": <node> without an id"};
    node.id = id.as_string();
    if (node_index.count(node.id))
      return Error{at(node.line) + ": duplicate node id '" + node.id + "'"};
    auto data = element_data(n, keys, "node");
    if (auto it = data.find("label"); it != data.end()) {
      node.label = trim(it->second);
      // The Zoo writes Python's None for nodes it had no name for.
      node.has_label = !node.label.empty() && node.label != "None";
    }
    if (auto it = data.find("hyperedge"); it != data.end())
      node.hyperedge = trim(it->second) == "1" || trim(it->second) == "true";
    std::optional<double> lat, lon;
    if (auto it = data.find("Latitude"); it != data.end()) lat = parse_double(trim(it->second));
    if (auto it = data.find("Longitude"); it != data.end()) lon = parse_double(trim(it->second));
    if (lat && lon && std::abs(*lat) <= 90.0 && std::abs(*lon) <= 180.0) {
      node.lat = lat;
      node.lon = lon;
    }
    node_index[node.id] = nodes.size();
    nodes.push_back(std::move(node));
  }
  if (nodes.empty()) return Error{at(lines.line_of(graph.offset_debug())) + ": the graph has no nodes"};

  // Names: the label, unique.
  std::set<std::string> taken;
  for (Node& node : nodes) {
    Router r;
    std::string base;
    if (node.has_label) {
      base = node.label;
      // Events and options name a link "A:B": a ':' in a router name could
      // not be told apart.
      if (base.find(':') != std::string::npos) {
        std::replace(base.begin(), base.end(), ':', '-');
        repair("labels with ':' renamed", node.line, "label '" + node.label + "' holds ':' (links are named A:B); named '" + base + "'");
      }
    } else {
      base = (node.hyperedge ? "hyperedge-" : "node-") + node.id;
      if (!node.hyperedge)
        repair("unlabelled nodes named node-<id>", node.line, "node '" + node.id + "' has no label; named '" + base + "'");
    }
    std::string name = base;
    for (int k = 2; taken.count(name); ++k) name = base + "#" + std::to_string(k);
    if (name != base)
      repair("duplicate labels renamed", node.line, "duplicate label '" + base + "' (node '" + node.id + "'); named '" + name + "'");
    taken.insert(name);
    r.name = name;
    r.role = node.hyperedge ? RouterRole::p : RouterRole::pe;
    r.latitude = node.lat;
    r.longitude = node.lon;
    r.where = {src, node.line};
    topo.routers.push_back(std::move(r));
  }

  // Edges: self-loops dropped, parallel ones merged into a bundle.
  std::map<std::pair<size_t, size_t>, size_t> link_of_pair;
  for (pugi::xml_node e : graph.children("edge")) {
    int line = lines.line_of(e.offset_debug());
    std::string s = e.attribute("source").as_string(), t = e.attribute("target").as_string();
    auto si = node_index.find(s), ti = node_index.find(t);
    if (si == node_index.end())
      return Error{at(line) + ": edge source '" + s + "' is not a node"};
    if (ti == node_index.end())
      return Error{at(line) + ": edge target '" + t + "' is not a node"};
    const std::string& an = topo.routers[si->second].name;
    if (si->second == ti->second) {
      repair("self-loops dropped", line, "self-loop at '" + an + "' dropped");
      continue;
    }
    auto data = element_data(e, keys, "edge");
    std::optional<double> speed;
    if (auto it = data.find("LinkSpeedRaw"); it != data.end()) {
      auto v = parse_double(trim(it->second));
      if (v && *v >= 1.0 && *v < 1e15) speed = v;
    }
    uint64_t bw = speed ? static_cast<uint64_t>(std::llround(*speed)) : options.bandwidth_bps;

    size_t a = std::min(si->second, ti->second), b = std::max(si->second, ti->second);
    if (auto it = link_of_pair.find({a, b}); it != link_of_pair.end()) {
      Link& l = topo.links[it->second];
      l.bandwidth_bps += bw;
      repair("parallel links merged", line, "parallel link '" + topo.routers[a].name + "' - '" + topo.routers[b].name +
                     "' merged into the one at line " + std::to_string(l.where.line) +
                     " (bandwidth added)");
      continue;
    }
    Link l;
    l.a = topo.routers[a].name;
    l.b = topo.routers[b].name;
    l.a_port = "to-" + l.b;
    l.b_port = "to-" + l.a;
    l.bandwidth_bps = bw;
    l.mtu = options.mtu;
    l.delay_us = options.delay_us;
    const Node &na = nodes[a], &nb = nodes[b];
    std::optional<double> km;
    if (na.lat && nb.lat) km = great_circle_km(*na.lat, *na.lon, *nb.lat, *nb.lon);
    if (km) l.delay_us = std::max(1.0, *km * 5.0);
    switch (options.metric) {
      case MetricMode::distance:
        l.metric = km ? static_cast<uint32_t>(std::max(1.0, std::round(*km / 100.0)))
                      : options.default_metric;
        break;
      case MetricMode::hops: l.metric = 1; break;
      case MetricMode::constant: l.metric = options.default_metric; break;
    }
    l.where = {src, line};
    link_of_pair[{a, b}] = topo.links.size();
    topo.links.push_back(std::move(l));
  }
  for (const auto& [kind, count] : repairs)
    if (count > kWarningsPerKind)
      topo.warnings.push_back(src + ": " + std::to_string(count - kWarningsPerKind) + " more " + kind +
                              " (" + std::to_string(count) + " in all)");
  if (topo.links.empty() && topo.routers.size() > 1)
    warn(lines.line_of(graph.offset_debug()), "the graph has no links");

  // Connected parts.
  std::vector<size_t> parent(nodes.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const auto& [pair, idx] : link_of_pair) parent[find(pair.first)] = find(pair.second);
  std::map<size_t, size_t> part_size;
  for (size_t i = 0; i < nodes.size(); ++i) ++part_size[find(i)];
  if (part_size.size() > 1) {
    std::vector<size_t> sizes;
    for (auto& [root_idx, n] : part_size) sizes.push_back(n);
    std::sort(sizes.rbegin(), sizes.rend());
    std::ostringstream os;
    os << "the backbone has " << sizes.size() << " disconnected parts (sizes";
    for (size_t i = 0; i < sizes.size() && i < 8; ++i) os << (i ? ", " : " ") << sizes[i];
    if (sizes.size() > 8) os << ", ...";
    os << "); no LSP can cross between parts";
    warn(lines.line_of(graph.offset_debug()), os.str());
  }
  return topo;
}

Result<Topology> import_graphml(const std::string& path, const GraphMlOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Error{path + ": is a directory, not a GraphML file"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open: " + std::strerror(errno)};
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Error{path + ": cannot read"};
  const std::string text = buf.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return Error{path + ": the file is empty"};
  return parse_graphml(text, path, options);
}

}  // namespace l2vpn::cp
