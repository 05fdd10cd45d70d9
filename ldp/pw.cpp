// Pseudowire signalling (FEC 128): what each PW event sends and how a PW's
// state follows from what both ends signalled (ldp/pw.hpp says the rules).
#include "ldp/pw.hpp"

#include <algorithm>

namespace l2vpn::ldp {

const char* pw_reason_name(PwReason r) {
  switch (r) {
    case PwReason::None: return "";
    case PwReason::NoSession: return "no LDP session";
    case PwReason::NoLocalLabel: return "no local label";
    case PwReason::NoRemoteLabel: return "no remote label";
    case PwReason::TypeMismatch: return "PW type mismatch";
    case PwReason::MtuMismatch: return "MTU mismatch";
    case PwReason::RemoteNotForwarding: return "remote not forwarding";
    case PwReason::LocalNotForwarding: return "local not forwarding";
  }
  return "?";
}

namespace {

// RFC 4447 5.4.3 / RFC 4446 3.5: an attachment circuit that is down cannot
// receive nor transmit, and the PW does not forward.
uint32_t ac_status(bool ac_up) {
  return ac_up ? pw_status::Forwarding
               : pw_status::NotForwarding | pw_status::AcRxFault | pw_status::AcTxFault;
}

bool signalled_params_differ(const PseudowireConfig& a, const PseudowireConfig& b) {
  return a.pw_type != b.pw_type || a.mtu != b.mtu || a.control_word != b.control_word ||
         a.group_id != b.group_id || a.requested_vlan != b.requested_vlan;
}

}  // namespace

PwidFec PseudowireTable::our_fec(const PseudowireState& pw, bool params) const {
  PwidFec f;
  f.control_word = pw.control_word;
  f.pw_type = pw.config.pw_type;
  f.group_id = pw.config.group_id;
  f.pw_id = pw.config.pw_id;
  if (params) {
    f.mtu = pw.config.mtu;
    if (pw.config.pw_type == pw_type::EthernetTagged) f.requested_vlan = pw.config.requested_vlan;
  }
  return f;
}

Message PseudowireTable::mapping(const PseudowireState& pw) const {
  Message m;
  m.type = msg::LabelMapping;
  m.fecs = {FecElement::of(our_fec(pw, true))};
  m.label = pw.local_label;
  m.pw_status = pw.local_status;
  return m;
}

Message PseudowireTable::withdraw(const PseudowireState& pw) const {
  Message m;
  m.type = msg::LabelWithdraw;
  m.fecs = {FecElement::of(our_fec(pw, false))};
  m.label = pw.local_label;
  return m;
}

void PseudowireTable::send_mapping(PseudowireState& pw, Out& out) {
  if (!pw.local_label || !operational_.count(pw.config.lsr_id)) return;
  // A peer that does not take PW status hears of our fault by our label's absence.
  if (!pw.status_tlv && pw.local_status != pw_status::Forwarding) return;
  out[pw.config.lsr_id].push_back(mapping(pw));
  pw.mapping_sent = true;
  ++counters_.mappings_out;
}

void PseudowireTable::configure(std::vector<PseudowireConfig> pws, const Allocate& allocate,
                                const Release& release, Out& out) {
  std::map<Key, PseudowireConfig> want;
  for (auto& c : pws) want[{c.lsr_id, c.pw_id}] = std::move(c);
  for (auto it = pws_.begin(); it != pws_.end();) {
    if (want.count(it->first)) {
      ++it;
      continue;
    }
    PseudowireState& pw = it->second;  // removed: withdrawn, its label released
    if (pw.mapping_sent && operational_.count(pw.config.lsr_id)) {
      out[pw.config.lsr_id].push_back(withdraw(pw));
      ++counters_.withdraws_out;
    }
    if (pw.local_label) release(*pw.local_label);
    it = pws_.erase(it);
  }
  for (auto& [key, cfg] : want) {
    auto it = pws_.find(key);
    if (it == pws_.end()) {
      PseudowireState pw;
      pw.config = cfg;
      pw.local_label = allocate();
      pw.control_word = cfg.control_word;
      pw.local_status = ac_status(cfg.ac_up);
      adopt_retained(key, pw);
      auto& stored = pws_[key] = std::move(pw);
      send_mapping(stored, out);
      continue;
    }
    PseudowireState& pw = it->second;
    PseudowireConfig old = pw.config;
    pw.config = cfg;
    if (!pw.local_label) pw.local_label = allocate();
    if (signalled_params_differ(old, cfg)) {  // RFC 4447: withdraw, then map anew
      if (pw.mapping_sent && operational_.count(cfg.lsr_id)) {
        out[cfg.lsr_id].push_back(withdraw(pw));
        ++counters_.withdraws_out;
      }
      pw.mapping_sent = false;
      pw.control_word = cfg.control_word;
      adopt_retained(key, pw);
      pw.local_status = ac_status(cfg.ac_up);
      send_mapping(pw, out);
    } else if (old.ac_up != cfg.ac_up) {
      pw.local_status = ac_status(cfg.ac_up);
      if (!operational_.count(cfg.lsr_id)) continue;
      if (pw.status_tlv && pw.mapping_sent) {
        Message n;
        n.type = msg::Notification;
        n.status = Status{status::PwStatus, 0, 0};
        n.pw_status = pw.local_status;
        n.fecs = {FecElement::of(our_fec(pw, false))};
        out[cfg.lsr_id].push_back(std::move(n));
        ++counters_.status_out;
      } else if (pw.status_tlv) {
        send_mapping(pw, out);
      } else if (cfg.ac_up) {
        send_mapping(pw, out);
      } else if (pw.mapping_sent) {
        out[cfg.lsr_id].push_back(withdraw(pw));
        ++counters_.withdraws_out;
        pw.mapping_sent = false;
      }
    } else if (!pw.mapping_sent) {
      send_mapping(pw, out);
    }
  }
  ++version_;
  evaluate();
}

// A mapping kept from before the PW was configured (or changed) decides the
// C bit and the status method at once; one with C=1 we will not use is dropped.
void PseudowireTable::adopt_retained(const Key& key, PseudowireState& pw) {
  auto r = received_.find(key);
  if (r == received_.end()) return;
  if (r->second.fec.control_word && !pw.control_word) {
    received_.erase(r);
    ++counters_.ignored_cbit;
    return;
  }
  if (!r->second.fec.control_word) pw.control_word = false;
  pw.status_tlv = r->second.status.has_value();
  pw.remote_status = r->second.status.value_or(pw_status::Forwarding);
}

void PseudowireTable::session_up(uint32_t peer, Out& out) {
  operational_.insert(peer);
  for (auto& [key, pw] : pws_) {
    if (key.first != peer) continue;
    pw.mapping_sent = false;
    pw.status_tlv = true;
    pw.control_word = pw.config.control_word;
    send_mapping(pw, out);
  }
  evaluate();
}

void PseudowireTable::session_down(uint32_t peer) {
  operational_.erase(peer);
  forget(peer, [](const Remote&) { return true; });
  for (auto& [key, pw] : pws_)
    if (key.first == peer) {
      pw.mapping_sent = false;
      pw.remote_status = pw_status::Forwarding;
    }
  evaluate();
}

void PseudowireTable::forget(uint32_t peer, const std::function<bool(const Remote&)>& which) {
  for (auto it = received_.begin(); it != received_.end();) {
    if (it->first.first == peer && which(it->second))
      it = received_.erase(it);
    else
      ++it;
  }
}

void PseudowireTable::learn(uint32_t peer, const Message& m, const FecElement& f, Out& out) {
  Key key{peer, *f.pw.pw_id};
  auto it = pws_.find(key);
  if (it == pws_.end()) {  // not ours (yet): kept, so configuring it later finds it
    received_[key] = Remote{f.pw, *m.label, m.pw_status};
    ++counters_.unknown_mappings;
    return;
  }
  PseudowireState& pw = it->second;
  // RFC 8077 6.2: we sent (or will send) C=0 and the peer wants the control
  // word: ignore its mapping; it hears our C=0 and maps again without.
  if (f.pw.control_word && !pw.control_word) {
    ++counters_.ignored_cbit;
    received_.erase(key);
    return;
  }
  received_[key] = Remote{f.pw, *m.label, m.pw_status};
  pw.status_tlv = m.pw_status.has_value();
  pw.remote_status = m.pw_status.value_or(pw_status::Forwarding);
  if (!f.pw.control_word && pw.control_word) {
    pw.control_word = false;
    if (pw.mapping_sent) {  // we said C=1: take it back, say C=0
      Message w = withdraw(pw);
      w.fecs[0].pw.control_word = true;  // the FEC the peer holds
      w.status = Status{status::WrongCBit, m.id, msg::LabelMapping};
      out[peer].push_back(std::move(w));
      ++counters_.withdraws_out;
      ++counters_.wrong_cbit_out;
      pw.mapping_sent = false;
      send_mapping(pw, out);
    }
  }
}

void PseudowireTable::on_message(uint32_t peer, const Message& m, Out& out) {
  auto release_of = [&](const FecElement& f) {
    Message r;
    r.type = msg::LabelRelease;
    r.fecs = {f};
    r.label = m.label;
    out[peer].push_back(std::move(r));
    ++counters_.releases_out;
  };
  // Which PWs of this peer a wildcard FEC names (group wildcard or typed).
  auto named_by = [](const FecElement& f, uint16_t type, uint32_t group) {
    if (f.kind == FecElement::Kind::Wildcard) return true;
    if (f.kind == FecElement::Kind::TypedWildcard)
      return f.typed_type == fec_type::Pwid &&
             (f.typed_pw_type == pw_type::Wildcard || f.typed_pw_type == type);
    return f.kind == FecElement::Kind::Pwid && f.pw.pw_type == type && f.pw.group_id == group;
  };
  switch (m.type) {
    case msg::LabelMapping:
      for (const auto& f : m.fecs)
        if (f.kind == FecElement::Kind::Pwid && f.pw.pw_id && m.label) {
          ++counters_.mappings_in;
          learn(peer, m, f, out);
        }
      break;
    case msg::LabelWithdraw:
      for (const auto& f : m.fecs) {
        if (f.kind == FecElement::Kind::Prefix) continue;  // the engine's
        ++counters_.withdraws_in;
        if (f.kind == FecElement::Kind::Pwid && f.pw.pw_id) {
          auto it = received_.find({peer, *f.pw.pw_id});
          if (it != received_.end() && (!m.label || *m.label == it->second.label))
            received_.erase(it);
        } else {
          forget(peer, [&](const Remote& r) { return named_by(f, r.fec.pw_type, r.fec.group_id); });
        }
        // The plain wildcard's release is the engine's to send (it names prefixes too).
        if (f.kind != FecElement::Kind::Wildcard) release_of(f);
      }
      break;
    case msg::LabelRelease:
      counters_.releases_in += m.fecs.size();  // the answer to a withdraw of ours
      break;
    case msg::LabelRequest:
      for (const auto& f : m.fecs) {
        auto it = f.pw.pw_id ? pws_.find({peer, *f.pw.pw_id}) : pws_.end();
        if (f.kind != FecElement::Kind::Pwid || it == pws_.end()) {
          ++counters_.requests_refused;
          continue;
        }
        size_t before = out[peer].size();
        send_mapping(it->second, out);
        if (out[peer].size() > before) out[peer].back().request_id = m.id;
      }
      break;
    case msg::Notification:
      if (!m.status || (m.status->code & 0x3fffffff) != status::PwStatus || !m.pw_status) break;
      for (const auto& f : m.fecs) {
        ++counters_.status_in;
        if (f.kind == FecElement::Kind::Pwid && f.pw.pw_id) {
          auto it = pws_.find({peer, *f.pw.pw_id});
          if (it == pws_.end()) {
            ++counters_.unknown_status;
            continue;
          }
          it->second.remote_status = *m.pw_status;
          continue;
        }
        bool any = false;
        for (auto& [key, pw] : pws_) {
          if (key.first != peer) continue;
          auto r = received_.find(key);
          uint32_t group = r == received_.end() ? 0 : r->second.fec.group_id;
          if (!named_by(f, pw.config.pw_type, group)) continue;
          pw.remote_status = *m.pw_status;
          any = true;
        }
        if (!any) ++counters_.unknown_status;
      }
      break;
    default:
      break;
  }
  evaluate();
}

void PseudowireTable::evaluate() {
  bool changed = false;
  for (auto& [key, pw] : pws_) {
    PseudowireState next = pw;
    auto r = received_.find(key);
    next.remote_label.reset();
    next.remote_mtu.reset();
    next.remote_pw_type.reset();
    next.remote_vlan.reset();
    next.remote_control_word = false;
    next.remote_group = 0;
    if (r != received_.end()) {
      next.remote_label = r->second.label;
      next.remote_mtu = r->second.fec.mtu;
      next.remote_pw_type = r->second.fec.pw_type;
      next.remote_vlan = r->second.fec.requested_vlan;
      next.remote_control_word = r->second.fec.control_word;
      next.remote_group = r->second.fec.group_id;
    }
    if (!operational_.count(key.first))
      next.reason = PwReason::NoSession;
    else if (!next.local_label)
      next.reason = PwReason::NoLocalLabel;
    else if (!next.remote_label)
      next.reason = PwReason::NoRemoteLabel;
    else if (next.remote_pw_type != pw.config.pw_type)
      next.reason = PwReason::TypeMismatch;
    else if (next.remote_mtu != pw.config.mtu)
      next.reason = PwReason::MtuMismatch;
    else if (next.remote_status != pw_status::Forwarding)
      next.reason = PwReason::RemoteNotForwarding;
    else if (next.local_status != pw_status::Forwarding)
      next.reason = PwReason::LocalNotForwarding;
    else
      next.reason = PwReason::None;
    next.up = next.reason == PwReason::None;
    if (!(next == pw)) {
      pw = std::move(next);
      changed = true;
    }
  }
  if (changed) ++version_;
}

std::vector<PseudowireState> PseudowireTable::states() const {
  std::vector<PseudowireState> out;
  out.reserve(pws_.size());
  for (const auto& [key, pw] : pws_) out.push_back(pw);
  return out;
}

std::set<uint32_t> PseudowireTable::peers() const {
  std::set<uint32_t> out;
  for (const auto& [key, pw] : pws_) out.insert(key.first);
  return out;
}

}  // namespace l2vpn::ldp
