#include "oam/state_view.hpp"

#include <algorithm>

namespace l2vpn::oam {

namespace {

bool parse_prefix(std::string_view text, LdpPrefixFec& out) {
  const size_t slash = text.find('/');
  uint32_t a = 0;
  if (!parse_ipv4(text.substr(0, slash), a)) return false;
  unsigned len = 32;
  if (slash != std::string_view::npos) {
    const std::string_view l = text.substr(slash + 1);
    if (l.empty() || l.size() > 2) return false;
    len = 0;
    for (char c : l) {
      if (c < '0' || c > '9') return false;
      len = len * 10 + unsigned(c - '0');
    }
    if (len > 32) return false;
  }
  out = LdpPrefixFec{a, uint8_t(len)};
  return true;
}

}  // namespace

Result<TableView> view_from_state(const ForwardingState& s, const StateViewInputs& in) {
  TableView v;
  const std::string where = "router " + s.router + ": ";
  if (!parse_ipv4(s.router_id, v.id)) return Error{where + "router_id '" + s.router_id + "' is not an IPv4 address"};
  v.seed = ecmp_seed(s.router_id);  // as compile_tables() seeds the fast path

  auto downstreams = [&](const NextHop& nh) {
    std::vector<Downstream> out;
    for (const Nhlfe* n : s.nhlfes_of(nh)) {
      Downstream d;
      if (auto it = in.neighbour_by_port.find(n->out_port); it != in.neighbour_by_port.end()) d.address = it->second;
      if (const Port* p = s.find_port(n->out_port)) d.mtu = uint16_t(std::min<uint32_t>(p->mtu, 65535));
      d.labels = n->labels;
      if (d.labels.empty()) d.labels = {kLabelImplicitNull};  // pop (PHP) or push of nothing
      out.push_back(std::move(d));
    }
    return out;
  };
  auto signature = [](const std::vector<Downstream>& ds) {
    std::vector<std::pair<uint32_t, std::vector<uint32_t>>> sig;
    for (const Downstream& d : ds) sig.emplace_back(d.address, d.labels);
    std::sort(sig.begin(), sig.end());
    return sig;
  };

  std::vector<std::pair<uint32_t, decltype(signature({}))>> transit_sigs;
  for (const IlmEntry& e : s.ilm) {
    LabelEntry le;
    switch (e.action) {
      case IlmAction::forward:
      case IlmAction::ecmp:
        le.kind = LabelEntry::Kind::transit;
        le.downstreams = downstreams(
            NextHop{e.action == IlmAction::ecmp ? NextHop::Kind::ecmp : NextHop::Kind::nhlfe, e.target});
        transit_sigs.emplace_back(e.label, signature(le.downstreams));
        break;
      case IlmAction::pop_and_lookup: le.kind = LabelEntry::Kind::local; break;
      case IlmAction::pw_disposition: le.kind = LabelEntry::Kind::pseudowire; break;
      default: continue;
    }
    v.labels.emplace_back(e.label, std::move(le));
  }

  v.fecs.push_back({LdpPrefixFec{v.id, 32}, FecView{true, kLabelImplicitNull}});
  for (const FtnEntry& f : s.ftn) {
    LdpPrefixFec fec;
    if (!parse_prefix(f.fec, fec)) return Error{where + "FTN FEC '" + f.fec + "' is not an IPv4 prefix"};
    if (fec == LdpPrefixFec{v.id, 32}) continue;
    const auto sig = signature(downstreams(f.next_hop));
    FecView fv;
    for (const auto& [label, ts] : transit_sigs)
      if (ts == sig) {
        fv.local_label = label;
        break;
      }
    v.fecs.push_back({fec, fv});
  }

  for (const auto& entry : in.fec_by_label) {
    const uint32_t label = entry.first;
    const Fec fec = entry.second;
    if (v.label(label).kind == LabelEntry::Kind::none || entry.second == LdpPrefixFec{v.id, 32}) continue;
    auto it = std::find_if(v.fecs.begin(), v.fecs.end(), [&](const auto& e) { return e.first == fec; });
    if (it == v.fecs.end()) v.fecs.push_back({fec, FecView{false, label}});
    else it->second.local_label = label;
  }

  for (const Pseudowire& pw : s.pseudowires) {
    auto it = in.loopback_by_router.find(pw.peer);
    if (it == in.loopback_by_router.end())
      return Error{where + "pseudowire " + std::to_string(pw.id) + ": no address for peer '" + pw.peer + "'"};
    uint16_t type = 5;
    for (const AttachmentCircuit& ac : s.attachment_circuits)
      if (ac.pseudowire == pw.id && ac.mode == AcMode::tagged) type = 4;
    v.fecs.push_back({Pw128Fec{it->second, v.id, pw.pw_id, type}, FecView{true, pw.local_label}});
  }
  return v;
}

}  // namespace l2vpn::oam
