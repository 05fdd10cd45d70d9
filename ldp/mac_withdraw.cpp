#include "ldp/mac_withdraw.hpp"

namespace l2vpn::ldp {

Message mac_withdraw_message(const PwidFec& fec, std::vector<Mac> macs) {
  PwidFec f = fec;
  f.mtu.reset();
  f.requested_vlan.reset();
  f.description.clear();
  f.vccv_cc.reset();
  f.vccv_cv.reset();
  Message m;
  m.type = msg::AddressWithdraw;
  m.fecs = {FecElement::of(std::move(f))};
  m.mac_list = std::move(macs);
  return m;
}

void MacWithdrawTable::on_message(uint32_t peer, const Message& m, const PseudowireTable& pws) {
  if (!is_mac_withdraw(m)) return;
  const auto states = pws.states();
  for (const auto& f : m.fecs) {
    if (f.kind != FecElement::Kind::Pwid || !f.pw.pw_id) {
      ++counters_.ignored;
      continue;
    }
    MacWithdrawEvent ev{peer, *f.pw.pw_id, *m.mac_list, false};
    for (const auto& pw : states)
      if (pw.config.lsr_id == peer && pw.config.pw_id == ev.vsi_id) ev.known = true;
    ++counters_.in;
    if (ev.known)
      ++per_pw_[{peer, ev.vsi_id}].in;
    else
      ++counters_.unknown_vsi;
    events_.push_back(std::move(ev));
  }
}

size_t MacWithdrawTable::withdraw(uint32_t vsi_id, const std::vector<Mac>& macs,
                                  const PseudowireTable& pws, PseudowireTable::Out& out) {
  size_t n = 0;
  for (const auto& pw : pws.states()) {
    if (pw.config.pw_id != vsi_id || !pw.mapping_sent) continue;
    PwidFec f;
    f.control_word = pw.control_word;
    f.pw_type = pw.config.pw_type;
    f.group_id = pw.config.group_id;
    f.pw_id = pw.config.pw_id;
    out[pw.config.lsr_id].push_back(mac_withdraw_message(f, macs));
    ++per_pw_[{pw.config.lsr_id, vsi_id}].out;
    ++counters_.out;
    ++n;
  }
  return n;
}

std::vector<MacWithdrawEvent> MacWithdrawTable::take() {
  std::vector<MacWithdrawEvent> out;
  out.swap(events_);
  return out;
}

void MacWithdrawTable::count_flushed(uint32_t peer, uint32_t vsi_id, uint64_t n) {
  counters_.flushed += n;
  auto it = per_pw_.find({peer, vsi_id});
  if (it != per_pw_.end()) it->second.flushed += n;
}

MacWithdrawCounts MacWithdrawTable::of(uint32_t peer, uint32_t vsi_id) const {
  auto it = per_pw_.find({peer, vsi_id});
  return it == per_pw_.end() ? MacWithdrawCounts{} : it->second;
}

}  // namespace l2vpn::ldp
