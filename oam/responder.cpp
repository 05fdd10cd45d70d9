#include "oam/responder.hpp"

namespace l2vpn::oam {

namespace {

constexpr uint32_t kExplicitNullV4 = 0, kRouterAlert = 1, kExplicitNullV6 = 2, kImplicitNull = 3,
                   kEli = 7, kGal = 13, kOamAlert = 14;

uint32_t lse_label(uint32_t w) { return w >> 12; }
bool lse_bos(uint32_t w) { return (w >> 8) & 1; }

const Fec* bottom_fec(const EchoPacket& q) {
  if (!q.target_fec_stack) return nullptr;
  for (auto it = q.target_fec_stack->rbegin(); it != q.target_fec_stack->rend(); ++it)
    if (!std::holds_alternative<NilFec>(*it)) return &*it;
  return nullptr;
}

const LdpPrefixFec* outer_ldp_fec(const EchoPacket& q) {
  if (!q.target_fec_stack) return nullptr;
  for (const Fec& f : *q.target_fec_stack)
    if (auto* l = std::get_if<LdpPrefixFec>(&f)) return l;
  return nullptr;
}

void set_rc(EchoPacket& r, ReturnCode rc, size_t rsc) {
  r.return_code = uint8_t(rc);
  r.return_subcode = uint8_t(rsc > 255 ? 255 : rsc);
}

// Egress processing (RFC 8029 4.4.1): `label` is the label that brought the
// request here (nullopt: none, it arrived unlabelled), at `depth`.
void egress(const EchoPacket& q, EchoPacket& r, const RouterView& view, std::optional<uint32_t> label,
            size_t depth) {
  const Fec* fec = bottom_fec(q);
  const size_t fec_depth = q.target_fec_stack ? q.target_fec_stack->size() : 0;
  if (!fec || !(q.flags & global_flags::validate_fec)) return set_rc(r, ReturnCode::egress, fec_depth);
  const FecView fv = view.fec(*fec);
  if (fv.egress) {
    if (label && fv.local_label && *fv.local_label != kImplicitNull && *fv.local_label != *label)
      return set_rc(r, ReturnCode::mapping_not_given_label, depth);
    return set_rc(r, ReturnCode::egress, fec_depth);
  }
  if (!fv.local_label) return set_rc(r, ReturnCode::no_mapping, fec_depth);
  set_rc(r, ReturnCode::mapping_not_given_label, label ? depth : 0);
}

}  // namespace

Bytes Reply::encode() const {
  Bytes out;
  build_ipv4_udp(out, ip, oam::encode(packet));
  return out;
}

std::optional<Reply> respond(std::span<const uint8_t> udp_payload, const Received& rx,
                             const RouterView& view) {
  DecodeResult d = decode(udp_payload);
  if (d.status == DecodeResult::Status::truncated_header) return std::nullopt;
  const EchoPacket& q = d.packet;
  if (q.type != uint8_t(MessageType::echo_request)) return std::nullopt;
  if (q.reply_mode == uint8_t(ReplyMode::no_reply)) return std::nullopt;

  Reply out;
  EchoPacket& r = out.packet;
  r.version = kLspPingVersion;
  r.flags = q.flags;
  r.type = uint8_t(MessageType::echo_reply);
  r.reply_mode = q.reply_mode;
  r.sender_handle = q.sender_handle;
  r.sequence = q.sequence;
  r.sent_seconds = q.sent_seconds;
  r.sent_fraction = q.sent_fraction;
  r.received_seconds = rx.timestamp_seconds;
  r.received_fraction = rx.timestamp_fraction;
  out.ip.src = view.router_id();
  out.ip.dst = rx.ip.header.src;
  out.ip.src_port = kLspPingPort;
  out.ip.dst_port = rx.ip.header.src_port;
  out.ip.ttl = 255;
  out.ip.router_alert = q.reply_mode == uint8_t(ReplyMode::ipv4_udp_router_alert);
  if (q.reply_tos) out.ip.tos = *q.reply_tos;

  if (!d.ok()) {
    set_rc(r, ReturnCode::malformed_request, 0);
    return out;
  }
  if ((q.flags & global_flags::ttl_expiry_only) && !rx.ttl_expired) return std::nullopt;
  if (q.pad && !q.pad->empty() && (*q.pad)[0] == 2) r.pad = q.pad;  // "copy pad TLV to reply"
  if (!d.not_understood.empty()) {
    set_rc(r, ReturnCode::tlv_not_understood, 0);
    r.errored_tlvs = d.not_understood;
    return out;
  }

  const std::vector<uint32_t>& st = rx.label_stack;
  for (size_t i = 0; i < st.size(); ++i) {
    const uint32_t label = lse_label(st[i]);
    const size_t depth = i + 1;
    if (label < 16) {
      if (label == kEli) ++i;  // the entropy label below it goes too
      if (label == kExplicitNullV4 || label == kExplicitNullV6 || label == kEli ||
          label == kRouterAlert || label == kGal || label == kOamAlert)
        continue;
      set_rc(r, ReturnCode::no_label_entry, depth);
      return out;
    }
    const LabelEntry e = view.label(label);
    switch (e.kind) {
      case LabelEntry::Kind::none:
        set_rc(r, ReturnCode::no_label_entry, depth);
        return out;
      case LabelEntry::Kind::local:
        if (lse_bos(st[i])) {
          egress(q, r, view, label, depth);
          return out;
        }
        continue;
      case LabelEntry::Kind::pseudowire:
        egress(q, r, view, label, depth);
        return out;
      case LabelEntry::Kind::transit: {
        if ((q.flags & global_flags::validate_fec)) {
          if (const LdpPrefixFec* f = outer_ldp_fec(q)) {
            const FecView fv = view.fec(*f);
            if (!fv.local_label) {
              set_rc(r, ReturnCode::no_mapping, 1);
              return out;
            }
            if (*fv.local_label != label) {
              set_rc(r, ReturnCode::mapping_not_given_label, depth);
              return out;
            }
          }
        }
        set_rc(r, ReturnCode::label_switched, depth);
        if (q.ddmaps.empty()) return out;  // ping: no mapping asked for
        // Traceroute: one DDMAP per downstream, with the part of the
        // request's multipath label set that takes it.
        std::vector<uint32_t> below;
        size_t el_at = SIZE_MAX;
        for (size_t j = i + 1; j < st.size(); ++j) {
          if (lse_label(st[j]) == kEli && j + 1 < st.size() && el_at == SIZE_MAX) el_at = below.size() + 1;
          below.push_back(lse_label(st[j]));
        }
        const Ddmap& asked = q.ddmaps.front();
        const bool want_mp = asked.multipath && asked.multipath->type == multipath::bitmasked_label;
        std::vector<std::vector<uint32_t>> sets(e.downstreams.size());
        if (want_mp && !e.downstreams.empty()) {
          for (uint32_t el : asked.multipath->labels()) {
            std::vector<uint32_t> b = below;
            if (el_at < b.size()) b[el_at] = el;
            const unsigned k = view.ecmp_branch(label, b);
            if (k < sets.size()) sets[k].push_back(el);
          }
        }
        for (size_t k = 0; k < e.downstreams.size(); ++k) {
          const Downstream& ds = e.downstreams[k];
          Ddmap m;
          m.mtu = ds.mtu;
          m.addr_type = address_type::ipv4_numbered;
          m.ds_address = ds.address;
          m.ds_interface = ds.interface_address;
          for (size_t j = 0; j < ds.labels.size(); ++j)
            m.labels.push_back(DsLabel{ds.labels[j], 0, j + 1 == ds.labels.size() && lse_bos(st[i]),
                                       ds.protocol});
          if (want_mp) m.multipath = Multipath::label_set(sets[k]);
          r.ddmaps.push_back(std::move(m));
        }
        return out;
      }
    }
  }
  egress(q, r, view, std::nullopt, 0);
  return out;
}

EchoPacket make_request(const RequestSpec& s) {
  EchoPacket p;
  p.flags = s.flags;
  p.type = uint8_t(MessageType::echo_request);
  p.reply_mode = s.reply_mode;
  p.sender_handle = s.sender_handle;
  p.sequence = s.sequence;
  p.sent_seconds = s.sent_seconds;
  p.sent_fraction = s.sent_fraction;
  p.target_fec_stack = s.fecs;
  if (s.ddmap) p.ddmaps.push_back(*s.ddmap);
  return p;
}

Bytes build_request(const RequestSpec& s) {
  Bytes out;
  Ipv4Udp ip;
  ip.src = s.src;
  ip.dst = s.dst;
  ip.src_port = s.src_port;
  ip.dst_port = kLspPingPort;
  ip.ttl = 1;
  ip.router_alert = true;
  build_ipv4_udp(out, ip, encode(make_request(s)));
  return out;
}

}  // namespace l2vpn::oam
