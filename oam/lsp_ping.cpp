#include "oam/lsp_ping.hpp"

#include <algorithm>

namespace l2vpn::oam {

std::string_view return_code_text(uint8_t code) {
  switch (code) {
    case 0: return "no return code";
    case 1: return "malformed echo request received";
    case 2: return "one or more of the TLVs was not understood";
    case 3: return "replying router is an egress for the FEC at stack-depth <RSC>";
    case 4: return "replying router has no mapping for the FEC at stack-depth <RSC>";
    case 5: return "downstream mapping mismatch";
    case 6: return "upstream interface index unknown";
    case 8: return "label switched at stack-depth <RSC>";
    case 9: return "label switched but no MPLS forwarding at stack-depth <RSC>";
    case 10: return "mapping for this FEC is not the given label at stack-depth <RSC>";
    case 11: return "no label entry at stack-depth <RSC>";
    case 12: return "protocol not associated with interface at FEC stack-depth <RSC>";
    case 13: return "premature termination of ping due to label stack shrinking to a single label";
    case 14: return "see DDMAP TLV for meaning of return code and return subcode";
    case 15: return "label switched with FEC change";
  }
  return "unknown return code";
}

std::string to_string(const Fec& fec) {
  if (auto* f = std::get_if<LdpPrefixFec>(&fec))
    return "LDP IPv4 " + ipv4_to_string(f->prefix) + "/" + std::to_string(f->length);
  if (auto* f = std::get_if<Pw128Fec>(&fec))
    return "FEC 128 PW sender " + ipv4_to_string(f->sender) + " remote " + ipv4_to_string(f->remote) +
           " pw-id " + std::to_string(f->pw_id) + " type " + std::to_string(f->pw_type);
  if (auto* f = std::get_if<NilFec>(&fec)) return "Nil FEC label " + std::to_string(f->label);
  return "sub-TLV " + std::to_string(std::get<UnknownSubTlv>(fec).type);
}

Multipath Multipath::label_set(const std::vector<uint32_t>& labels) {
  Multipath m;
  m.type = multipath::bitmasked_label;
  if (labels.empty()) return m;
  // Labels are 20 bits, so the mask is at most 128 KiB.
  const uint32_t base = *std::min_element(labels.begin(), labels.end()) & kMaxLabelValue;
  const uint32_t top = std::max(base, *std::max_element(labels.begin(), labels.end()) & kMaxLabelValue);
  const size_t bits = size_t(top - base) + 1;
  m.info.assign(4 + (bits + 31) / 32 * 4, 0);
  store_be32(m.info.data(), base);
  for (uint32_t l : labels) {
    if ((l & kMaxLabelValue) < base) continue;
    const uint32_t i = (l & kMaxLabelValue) - base;
    m.info[4 + i / 8] |= uint8_t(0x80u >> (i % 8));
  }
  return m;
}

std::vector<uint32_t> Multipath::labels(size_t max) const {
  std::vector<uint32_t> out;
  if (type != multipath::bitmasked_label || info.size() < 4) return out;
  const uint32_t base = load_be32(info.data());
  if (base > kMaxLabelValue) return out;
  // Bits past label 2^20 - 1 name no label: the set stops there.
  const size_t bits = std::min<size_t>((info.size() - 4) * 8, size_t(kMaxLabelValue - base) + 1);
  for (size_t i = 0; i < bits && out.size() < max; ++i)
    if (info[4 + i / 8] & (0x80u >> (i % 8))) out.push_back(base + uint32_t(i));
  return out;
}

// ------------------------------------------------------------------ encode

namespace {

// Writes type, length (patched at close) and, at close, the padding.
struct TlvScope {
  Writer& w;
  size_t start;
  TlvScope(Writer& w_, uint16_t type) : w(w_), start(w_.size()) {
    w.u16(type);
    w.u16(0);
  }
  void close() {
    w.patch16(start + 2, uint16_t(w.size() - start - 4));
    w.pad4(start);
  }
};

void encode_fec(Writer& w, const Fec& fec) {
  if (auto* f = std::get_if<LdpPrefixFec>(&fec)) {
    TlvScope s(w, fec_subtlv::ldp_ipv4);
    w.u32(f->prefix);
    w.u8(f->length);
    s.close();
  } else if (auto* f = std::get_if<Pw128Fec>(&fec)) {
    TlvScope s(w, fec_subtlv::pw128);
    w.u32(f->sender);
    w.u32(f->remote);
    w.u32(f->pw_id);
    w.u16(f->pw_type);
    s.close();
  } else if (auto* f = std::get_if<NilFec>(&fec)) {
    TlvScope s(w, fec_subtlv::nil);
    w.u32(f->label << 12);
    s.close();
  } else {
    const auto& u = std::get<UnknownSubTlv>(fec);
    TlvScope s(w, u.type);
    w.bytes(u.value);
    s.close();
  }
}

void encode_ddmap(Writer& w, const Ddmap& d) {
  TlvScope s(w, tlv::ddmap);
  w.u16(d.mtu);
  w.u8(d.addr_type);
  w.u8(d.flags);
  if (d.addr_type == address_type::ipv4_numbered || d.addr_type == address_type::ipv4_unnumbered) {
    w.u32(d.ds_address);
    w.u32(d.ds_interface);
  } else {
    w.bytes(d.addresses);
  }
  w.u8(d.return_code);
  w.u8(d.return_subcode);
  const size_t len_at = w.size();
  w.u16(0);
  const size_t sub_start = w.size();
  if (d.multipath) {
    TlvScope m(w, ddmap_subtlv::multipath);
    w.u8(d.multipath->type);
    w.u16(uint16_t(d.multipath->info.size()));
    w.u8(0);
    w.bytes(d.multipath->info);
    m.close();
  }
  if (!d.labels.empty()) {
    TlvScope l(w, ddmap_subtlv::label_stack);
    for (const DsLabel& e : d.labels)
      w.u32((e.label & 0xfffff) << 12 | uint32_t(e.tc & 7) << 9 | uint32_t(e.bos) << 8 | e.protocol);
    l.close();
  }
  for (const UnknownSubTlv& u : d.other) {
    TlvScope o(w, u.type);
    w.bytes(u.value);
    o.close();
  }
  w.patch16(len_at, uint16_t(w.size() - sub_start));
  s.close();
}

}  // namespace

Bytes encode(const EchoPacket& p) {
  Bytes out;
  out.reserve(128);
  Writer w(out);
  w.u16(p.version);
  w.u16(p.flags);
  w.u8(p.type);
  w.u8(p.reply_mode);
  w.u8(p.return_code);
  w.u8(p.return_subcode);
  w.u32(p.sender_handle);
  w.u32(p.sequence);
  w.u32(p.sent_seconds);
  w.u32(p.sent_fraction);
  w.u32(p.received_seconds);
  w.u32(p.received_fraction);
  if (p.target_fec_stack) {
    TlvScope s(w, tlv::target_fec_stack);
    for (const Fec& f : *p.target_fec_stack) encode_fec(w, f);
    s.close();
  }
  for (const Ddmap& d : p.ddmaps) encode_ddmap(w, d);
  if (p.reply_tos) {
    TlvScope s(w, tlv::reply_tos);
    w.u8(*p.reply_tos);
    w.zeros(3);
    s.close();
  }
  if (p.pad) {
    TlvScope s(w, tlv::pad);
    w.bytes(*p.pad);
    s.close();
  }
  if (p.errored_tlvs) {
    TlvScope s(w, tlv::errored_tlvs);
    w.bytes(*p.errored_tlvs);
    s.close();
  }
  for (const Tlv& t : p.other) {
    TlvScope s(w, t.type);
    w.bytes(t.value);
    s.close();
  }
  return out;
}

// ------------------------------------------------------------------ decode

namespace {

struct RawTlv {
  uint16_t type = 0;
  std::span<const uint8_t> value;
  std::span<const uint8_t> whole;  // header, value and padding as received
  size_t offset = 0;
};

// Reads one TLV with its padding (tolerated when missing at the very end).
bool next_tlv(Reader& r, std::span<const uint8_t> base, RawTlv& t, std::string& error,
              std::string_view what) {
  const size_t at = r.offset();
  uint16_t len = 0;
  if (!r.u16(t.type) || !r.u16(len)) {
    error = std::string(what) + " header truncated at offset " + std::to_string(at);
    return false;
  }
  if (!r.bytes(len, t.value)) {
    error = std::string(what) + " type " + std::to_string(t.type) + " at offset " + std::to_string(at) +
            ": length " + std::to_string(len) + " exceeds the " + std::to_string(r.left()) +
            " octets left";
    return false;
  }
  r.skip(std::min<size_t>((4 - len % 4) % 4, r.left()));
  t.offset = at;
  t.whole = base.subspan(at, r.offset() - at);
  return true;
}

std::string at(std::string_view what, size_t offset) {
  return std::string(what) + " at offset " + std::to_string(offset);
}

bool decode_fec_stack(std::span<const uint8_t> value, size_t base_off, std::vector<Fec>& out,
                      bool& not_understood, std::string& error) {
  Reader r(value);
  while (r.left() > 0) {
    RawTlv t;
    if (!next_tlv(r, value, t, error, "Target FEC sub-TLV")) return false;
    const size_t off = base_off + t.offset;
    Reader v(t.value);
    switch (t.type) {
      case fec_subtlv::ldp_ipv4: {
        LdpPrefixFec f;
        if (t.value.size() != 5 || !v.u32(f.prefix) || !v.u8(f.length) || f.length > 32) {
          error = at("LDP IPv4 prefix sub-TLV: length must be 5, prefix length at most 32", off);
          return false;
        }
        out.push_back(f);
        break;
      }
      case fec_subtlv::pw128: {
        Pw128Fec f;
        if (t.value.size() != 14 || !v.u32(f.sender) || !v.u32(f.remote) || !v.u32(f.pw_id) ||
            !v.u16(f.pw_type)) {
          error = at("FEC 128 pseudowire sub-TLV: length must be 14", off);
          return false;
        }
        out.push_back(f);
        break;
      }
      case fec_subtlv::nil: {
        uint32_t w = 0;
        if (t.value.size() != 4 || !v.u32(w)) {
          error = at("Nil FEC sub-TLV: length must be 4", off);
          return false;
        }
        out.push_back(NilFec{w >> 12});
        break;
      }
      default:
        if (t.type < tlv::first_optional) not_understood = true;
        out.push_back(UnknownSubTlv{t.type, Bytes(t.value.begin(), t.value.end())});
    }
  }
  return true;
}

bool decode_ddmap(std::span<const uint8_t> value, size_t off, Ddmap& d, std::string& error) {
  Reader r(value);
  if (!r.u16(d.mtu) || !r.u8(d.addr_type) || !r.u8(d.flags)) {
    error = at("DDMAP TLV truncated", off);
    return false;
  }
  size_t addr_len = 0;
  switch (d.addr_type) {
    case address_type::ipv4_numbered:
    case address_type::ipv4_unnumbered:
    case address_type::non_ip: addr_len = 8; break;
    case address_type::ipv6_numbered: addr_len = 32; break;
    case address_type::ipv6_unnumbered: addr_len = 20; break;
    default:
      error = at("DDMAP TLV: unknown address type " + std::to_string(d.addr_type), off);
      return false;
  }
  if (d.addr_type == address_type::ipv4_numbered || d.addr_type == address_type::ipv4_unnumbered) {
    if (!r.u32(d.ds_address) || !r.u32(d.ds_interface)) {
      error = at("DDMAP TLV: addresses truncated", off);
      return false;
    }
  } else {
    std::span<const uint8_t> a;
    if (!r.bytes(addr_len, a)) {
      error = at("DDMAP TLV: addresses truncated", off);
      return false;
    }
    d.addresses.assign(a.begin(), a.end());
  }
  uint16_t sub_len = 0;
  if (!r.u8(d.return_code) || !r.u8(d.return_subcode) || !r.u16(sub_len)) {
    error = at("DDMAP TLV truncated before its sub-TLVs", off);
    return false;
  }
  std::span<const uint8_t> subs;
  if (!r.bytes(sub_len, subs) || r.left() != 0) {
    error = at("DDMAP TLV: sub-TLV length " + std::to_string(sub_len) + " disagrees with the TLV length",
               off);
    return false;
  }
  Reader s(subs);
  while (s.left() > 0) {
    RawTlv t;
    if (!next_tlv(s, subs, t, error, "DDMAP sub-TLV")) return false;
    Reader v(t.value);
    switch (t.type) {
      case ddmap_subtlv::multipath: {
        Multipath m;
        uint16_t len = 0;
        uint8_t reserved = 0;
        std::span<const uint8_t> info;
        if (!v.u8(m.type) || !v.u16(len) || !v.u8(reserved) || !v.bytes(len, info) || v.left() != 0) {
          error = at("DDMAP multipath sub-TLV: multipath length disagrees with the sub-TLV length",
                     off + 4 + t.offset);
          return false;
        }
        m.info.assign(info.begin(), info.end());
        d.multipath = std::move(m);
        break;
      }
      case ddmap_subtlv::label_stack: {
        if (t.value.size() % 4) {
          error = at("DDMAP label stack sub-TLV: length not a multiple of 4", off + 4 + t.offset);
          return false;
        }
        uint32_t w = 0;
        while (v.u32(w))
          d.labels.push_back(DsLabel{w >> 12, uint8_t((w >> 9) & 7), bool((w >> 8) & 1), uint8_t(w)});
        break;
      }
      default:
        d.other.push_back(UnknownSubTlv{t.type, Bytes(t.value.begin(), t.value.end())});
    }
  }
  return true;
}

}  // namespace

DecodeResult decode(std::span<const uint8_t> in) {
  DecodeResult res;
  EchoPacket& p = res.packet;
  Reader r(in);
  if (!r.u16(p.version) || !r.u16(p.flags) || !r.u8(p.type) || !r.u8(p.reply_mode) ||
      !r.u8(p.return_code) || !r.u8(p.return_subcode) || !r.u32(p.sender_handle) ||
      !r.u32(p.sequence) || !r.u32(p.sent_seconds) || !r.u32(p.sent_fraction) ||
      !r.u32(p.received_seconds) || !r.u32(p.received_fraction)) {
    res.status = DecodeResult::Status::truncated_header;
    res.error = "MPLS echo header truncated: " + std::to_string(in.size()) + " octets, 32 needed";
    return res;
  }
  auto malformed = [&](std::string msg) {
    res.status = DecodeResult::Status::malformed;
    res.error = std::move(msg);
    return res;
  };
  if (p.version != kLspPingVersion)
    return malformed("MPLS echo version " + std::to_string(p.version) + " (expected 1)");
  if (p.type != uint8_t(MessageType::echo_request) && p.type != uint8_t(MessageType::echo_reply))
    return malformed("MPLS echo message type " + std::to_string(p.type));
  while (r.left() > 0) {
    RawTlv t;
    std::string error;
    if (!next_tlv(r, in, t, error, "TLV")) return malformed(error);
    auto keep_not_understood = [&] { res.not_understood.insert(res.not_understood.end(), t.whole.begin(), t.whole.end()); };
    switch (t.type) {
      case tlv::target_fec_stack: {
        if (p.target_fec_stack) return malformed(at("second Target FEC Stack TLV", t.offset));
        std::vector<Fec> stack;
        bool unknown = false;
        if (!decode_fec_stack(t.value, t.offset + 4, stack, unknown, error)) return malformed(error);
        if (unknown) keep_not_understood();
        p.target_fec_stack = std::move(stack);
        break;
      }
      case tlv::ddmap: {
        Ddmap d;
        if (!decode_ddmap(t.value, t.offset, d, error)) return malformed(error);
        p.ddmaps.push_back(std::move(d));
        break;
      }
      case tlv::reply_tos:
        if (t.value.size() != 4) return malformed(at("Reply TOS TLV: length must be 4", t.offset));
        p.reply_tos = t.value[0];
        break;
      case tlv::pad:
        if (t.value.empty()) return malformed(at("Pad TLV: empty", t.offset));
        p.pad = Bytes(t.value.begin(), t.value.end());
        break;
      case tlv::errored_tlvs:
        p.errored_tlvs = Bytes(t.value.begin(), t.value.end());
        break;
      case tlv::downstream_mapping:      // deprecated (RFC 8029 3.3): kept, not used
      case tlv::vendor_enterprise:
      case tlv::interface_label_stack:
        p.other.push_back(Tlv{t.type, Bytes(t.value.begin(), t.value.end())});
        break;
      default:
        if (t.type < tlv::first_optional) keep_not_understood();
        p.other.push_back(Tlv{t.type, Bytes(t.value.begin(), t.value.end())});
    }
  }
  return res;
}

}  // namespace l2vpn::oam
