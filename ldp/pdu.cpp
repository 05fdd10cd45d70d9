#include "ldp/pdu.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include <fmt/format.h>

#include "contract/byte_order.hpp"

namespace l2vpn::ldp {

namespace {

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, uint16_t(v >> 16));
  put16(b, uint16_t(v));
}

// A TLV or message whose length is patched when it is complete.
struct Open {
  std::vector<uint8_t>& b;
  size_t at;
  Open(std::vector<uint8_t>& buf, uint16_t type) : b(buf), at(buf.size() + 2) {
    put16(b, type);
    put16(b, 0);
  }
  ~Open() {
    size_t len = b.size() - at - 2;
    b[at] = uint8_t(len >> 8);
    b[at + 1] = uint8_t(len);
  }
};

// RFC 4447 5.2: C bit and PW type, PW info length, group id, then (when the
// element names one PW) the PW id and the interface parameter sub-TLVs, whose
// length counts their own 2-byte header.
void put_pwid(std::vector<uint8_t>& b, const PwidFec& pw) {
  put16(b, uint16_t((pw.control_word ? 0x8000 : 0) | (pw.pw_type & 0x7fff)));
  size_t len_at = b.size();
  b.push_back(0);
  put32(b, pw.group_id);
  if (pw.pw_id) {
    put32(b, *pw.pw_id);
    auto param16 = [&](uint8_t type, uint16_t v) {
      b.push_back(type);
      b.push_back(4);
      put16(b, v);
    };
    if (pw.mtu) param16(pw_param::Mtu, *pw.mtu);
    if (pw.requested_vlan) param16(pw_param::RequestedVlan, *pw.requested_vlan);
    if (!pw.description.empty()) {
      size_t n = std::min<size_t>(pw.description.size(), 80);
      b.push_back(pw_param::Description);
      b.push_back(uint8_t(n + 2));
      b.insert(b.end(), pw.description.begin(), pw.description.begin() + long(n));
    }
    if (pw.vccv_cc || pw.vccv_cv) {
      b.push_back(pw_param::Vccv);
      b.push_back(4);
      b.push_back(pw.vccv_cc.value_or(0));
      b.push_back(pw.vccv_cv.value_or(0));
    }
  }
  b[len_at] = uint8_t(b.size() - len_at - 5);
}

void put_fec(std::vector<uint8_t>& b, const std::vector<FecElement>& fecs) {
  Open t(b, tlv::Fec);
  for (const auto& f : fecs) {
    b.push_back(uint8_t(f.kind));
    if (f.kind == FecElement::Kind::Prefix) {
      put16(b, 1);
      b.push_back(f.prefix.length);
      for (int i = 0; i < (f.prefix.length + 7) / 8; ++i)
        b.push_back(uint8_t(f.prefix.address >> (24 - 8 * i)));
    } else if (f.kind == FecElement::Kind::TypedWildcard) {
      b.push_back(f.typed_type);
      b.push_back(2);
      put16(b, f.typed_type == fec_type::Pwid ? f.typed_pw_type : f.typed_family);
    } else if (f.kind == FecElement::Kind::Pwid) {
      put_pwid(b, f.pw);
    }
  }
}

void put_cap(std::vector<uint8_t>& b, uint16_t type) {
  Open t(b, uint16_t(0x8000 | type));
  b.push_back(0x80);  // S bit: the capability is advertised
}

// One PWid FEC element from p[i] (after its type byte); i moves past it.
// Lengths that lie end the session (Bad TLV Length, as FRR does); a PW type
// we do not carry is an Unknown FEC for that message only.
std::optional<Problem> read_pwid(const uint8_t* p, size_t n, size_t& i, Message& m) {
  auto bad_len = [&](std::string what) {
    return Problem{status::BadTlvLength, m.id, m.type, "PWid FEC: " + what};
  };
  if (n - i < 7) return bad_len("shorter than its fixed part");
  PwidFec pw;
  uint16_t t = load_be16(p + i);
  pw.control_word = t & 0x8000;
  pw.pw_type = t & 0x7fff;
  uint8_t info = p[i + 2];
  pw.group_id = load_be32(p + i + 3);
  i += 7;
  if (info > n - i) return bad_len(fmt::format("PW info length {} past the FEC TLV", info));
  if (info != 0 && info < 4) return bad_len(fmt::format("PW info length {}", info));
  const uint8_t* q = p + i;
  i += info;
  if (info >= 4) {
    pw.pw_id = load_be32(q);
    size_t k = 4;
    while (k < info) {
      if (info - k < 2) return bad_len("truncated interface parameter");
      uint8_t st = q[k], sl = q[k + 1];
      if (sl < 2 || sl > info - k)
        return bad_len(fmt::format("interface parameter 0x{:02x} length {}", st, sl));
      const uint8_t* v = q + k + 2;
      bool fixed4 = st == pw_param::Mtu || st == pw_param::RequestedVlan || st == pw_param::Vccv;
      if (fixed4 && sl != 4)
        return bad_len(fmt::format("interface parameter 0x{:02x} length {} (want 4)", st, sl));
      if (st == pw_param::Mtu) pw.mtu = load_be16(v);
      else if (st == pw_param::RequestedVlan) pw.requested_vlan = load_be16(v);
      else if (st == pw_param::Vccv) pw.vccv_cc = v[0], pw.vccv_cv = v[1];
      else if (st == pw_param::Description) pw.description.assign(v, v + (sl - 2));
      // others (fragmentation, flow label, ...) are not ours to act on: skipped
      k += sl;
    }
  }
  if (pw.pw_type != pw_type::Ethernet && pw.pw_type != pw_type::EthernetTagged)
    return Problem{status::UnknownFec, m.id, m.type,
                   fmt::format("PWid FEC of PW type {} (we carry Ethernet 4 and 5)", pw.pw_type)};
  m.fecs.push_back(FecElement::of(std::move(pw)));
  return std::nullopt;
}

// FEC TLV value -> elements; a non-empty string names the problem.
std::optional<Problem> read_fec(const uint8_t* p, size_t n, Message& m) {
  size_t i = 0;
  if (n == 0) return Problem{status::BadTlvLength, m.id, m.type, "empty FEC TLV"};
  while (i < n) {
    uint8_t kind = p[i++];
    if (kind == 1) {
      m.fecs.push_back(FecElement::wildcard());
    } else if (kind == 2) {
      if (n - i < 3) return Problem{status::BadTlvLength, m.id, m.type, "short prefix FEC"};
      uint16_t af = load_be16(p + i);
      uint8_t len = p[i + 2];
      i += 3;
      if (af != 1)
        return Problem{status::UnsupportedAddressFamily, m.id, m.type,
                       fmt::format("prefix FEC of address family {}", af)};
      if (len > 32)
        return Problem{status::BadTlvValue, m.id, m.type, fmt::format("prefix length {}", len)};
      size_t bytes = (len + 7) / 8;
      if (n - i < bytes) return Problem{status::BadTlvLength, m.id, m.type, "short prefix FEC"};
      uint32_t a = 0;
      for (size_t k = 0; k < bytes; ++k) a |= uint32_t(p[i + k]) << (24 - 8 * k);
      if (len < 32) a &= len == 0 ? 0 : ~((1u << (32 - len)) - 1);
      i += bytes;
      m.fecs.push_back(FecElement::of(Prefix{a, len}));
    } else if (kind == 5) {
      if (n - i < 2) return Problem{status::BadTlvLength, m.id, m.type, "short typed wildcard"};
      uint8_t ftype = p[i], flen = p[i + 1];
      i += 2;
      if (n - i < flen) return Problem{status::BadTlvLength, m.id, m.type, "short typed wildcard"};
      FecElement f = FecElement::typed_wildcard_pw();
      f.typed_type = ftype;
      if (ftype != fec_type::Prefix && ftype != fec_type::Pwid)
        return Problem{status::UnknownFec, m.id, m.type,
                       fmt::format("typed wildcard of FEC type {}", ftype)};
      if (flen != 2)
        return Problem{status::BadTlvLength, m.id, m.type, "typed wildcard length"};
      if (ftype == fec_type::Prefix)
        f.typed_family = load_be16(p + i);
      else  // RFC 6667: the reserved top bit is ignored
        f.typed_pw_type = load_be16(p + i) & 0x7fff;
      i += flen;
      m.fecs.push_back(f);
    } else if (kind == fec_type::Pwid) {
      if (auto bad = read_pwid(p, n, i, m)) return bad;
    } else {
      return Problem{status::UnknownFec, m.id, m.type, fmt::format("FEC element type {}", kind)};
    }
  }
  return std::nullopt;
}

// The TLVs of one message; a Problem when the message (or the session) fails.
std::optional<Problem> read_tlvs(const uint8_t* p, size_t n, Message& m) {
  bool have_hello = false, have_session = false, have_addr = false, have_fec = false,
       have_status = false;
  size_t i = 0;
  while (i < n) {
    if (n - i < 4) return Problem{status::BadTlvLength, m.id, m.type, "truncated TLV header"};
    uint16_t raw = load_be16(p + i), len = load_be16(p + i + 2);
    bool u = raw & 0x8000, f = raw & 0x4000;
    uint16_t type = raw & 0x3fff;
    i += 4;
    if (len > n - i)
      return Problem{status::BadTlvLength, m.id, m.type,
                     fmt::format("TLV 0x{:04x} length {} past the message", type, len)};
    const uint8_t* v = p + i;
    i += len;
    auto need = [&](size_t want) -> std::optional<Problem> {
      if (len != want)
        return Problem{status::BadTlvLength, m.id, m.type,
                       fmt::format("TLV 0x{:04x} length {} (want {})", type, len, want)};
      return std::nullopt;
    };
    std::optional<Problem> bad;
    bool known = true;
    switch (m.type) {
      case msg::Hello:
        if (type == tlv::CommonHello) {
          if ((bad = need(4))) return bad;
          m.hello_holdtime = load_be16(v);
          uint16_t fl = load_be16(v + 2);
          m.targeted = fl & 0x8000;
          m.request_targeted = fl & 0x4000;
          m.gtsm = fl & 0x2000;
          have_hello = true;
        } else if (type == tlv::Ipv4Transport) {
          if ((bad = need(4))) return bad;
          m.transport_address = load_be32(v);
        } else if (type == tlv::ConfigSeq) {
          if ((bad = need(4))) return bad;
          m.config_sequence = load_be32(v);
        } else if (type == tlv::Ipv6Transport) {
          if ((bad = need(16))) return bad;
        } else {
          known = false;
        }
        break;
      case msg::Init:
        if (type == tlv::CommonSession) {
          if ((bad = need(14))) return bad;
          auto& s = m.session;
          s.protocol_version = load_be16(v);
          s.keepalive = load_be16(v + 2);
          s.downstream_on_demand = v[4] & 0x80;
          s.loop_detection = v[4] & 0x40;
          s.path_vector_limit = v[5];
          s.max_pdu = load_be16(v + 6);
          s.receiver_lsr_id = load_be32(v + 8);
          s.receiver_label_space = load_be16(v + 12);
          have_session = true;
        } else if (type == tlv::TypedWildcardCap || type == tlv::UnrecognizedNotifCap ||
                   type == tlv::DynamicCap) {
          if ((bad = need(1))) return bad;
          bool on = v[0] & 0x80;
          if (type == tlv::TypedWildcardCap) m.cap_typed_wildcard = on;
          if (type == tlv::UnrecognizedNotifCap) m.cap_unrecognized_notif = on;
          if (type == tlv::DynamicCap) m.cap_dynamic = on;
        } else {
          known = false;
        }
        break;
      case msg::Address:
      case msg::AddressWithdraw:
        if (type == tlv::AddressList) {
          if (len < 2) return Problem{status::BadTlvLength, m.id, m.type, "short address list"};
          m.address_family = load_be16(v);
          if (m.address_family != 1)
            return Problem{status::UnsupportedAddressFamily, m.id, m.type,
                           fmt::format("address family {}", m.address_family)};
          if ((len - 2) % 4)
            return Problem{status::BadTlvLength, m.id, m.type, "address list not whole IPv4s"};
          for (size_t k = 2; k < len; k += 4) m.addresses.push_back(load_be32(v + k));
          have_addr = true;
        } else if (m.type == msg::AddressWithdraw && type == tlv::Fec) {
          if ((bad = read_fec(v, len, m))) return bad;
          have_fec = true;
        } else if (m.type == msg::AddressWithdraw && type == tlv::MacList) {
          // RFC 4762 6.2.1: whole 48-bit MACs; a length that is not is a lie
          // about the TLV, which ends the session (as FRR's ldpd does).
          if (len % 6)
            return Problem{status::BadTlvLength, m.id, m.type,
                           fmt::format("MAC List TLV length {} is not a multiple of 6", len)};
          m.mac_list.emplace();
          for (size_t k = 0; k < len; k += 6) {
            std::array<uint8_t, 6> mac;
            std::copy(v + k, v + k + 6, mac.begin());
            m.mac_list->push_back(mac);
          }
        } else {
          known = false;
        }
        break;
      case msg::LabelMapping:
      case msg::LabelRequest:
      case msg::LabelWithdraw:
      case msg::LabelRelease:
      case msg::LabelAbort:
      case msg::Notification:
        if (type == tlv::Fec) {
          if ((bad = read_fec(v, len, m))) return bad;
          have_fec = true;
        } else if (type == tlv::GenericLabel) {
          if ((bad = need(4))) return bad;
          uint32_t l = load_be32(v);
          if (l > 0xfffff)
            return Problem{status::BadTlvValue, m.id, m.type, fmt::format("label {}", l)};
          m.label = l;
        } else if (type == tlv::RequestId) {
          if ((bad = need(4))) return bad;
          m.request_id = load_be32(v);
        } else if (type == tlv::Status) {
          if ((bad = need(10))) return bad;
          m.status = Status{load_be32(v), load_be32(v + 4), load_be16(v + 8)};
          have_status = true;
        } else if (type == tlv::PwStatus) {
          if ((bad = need(4))) return bad;
          m.pw_status = load_be32(v);
        } else if (type == tlv::HopCount || type == tlv::PathVector || type == tlv::ExtStatus ||
                   type == tlv::ReturnedPdu || type == tlv::ReturnedMsg ||
                   type == tlv::ReturnedTlvs) {
          // understood and not used: no loop detection, nothing to return
        } else {
          known = false;
        }
        break;
      default:  // KeepAlive and Capability carry nothing we use
        known = false;
    }
    if (!known) {
      if (!u)
        return Problem{status::UnknownTlv, m.id, m.type,
                       fmt::format("unknown TLV 0x{:04x} in {}", type, message_name(m.type))};
      m.unknown.push_back(UnknownTlv{type, u, f, std::vector<uint8_t>(v, v + len)});
    }
  }
  auto missing = [&](const char* what) {
    return Problem{status::MissingMessageParams, m.id, m.type,
                   fmt::format("{} without {}", message_name(m.type), what)};
  };
  switch (m.type) {
    case msg::Hello:
      if (!have_hello) return missing("Common Hello Parameters");
      break;
    case msg::Init:
      if (!have_session) return missing("Common Session Parameters");
      break;
    case msg::Address:
      if (!have_addr) return missing("an Address List");
      break;
    case msg::AddressWithdraw:
      if (m.mac_list && !have_fec) return missing("a FEC for its MAC List");
      if (!have_addr && !m.mac_list) return missing("an Address List or a MAC List");
      break;
    case msg::LabelMapping:
      if (!have_fec || !m.label) return missing("a FEC and a label");
      for (const auto& f : m.fecs) {
        if (f.kind != FecElement::Kind::Pwid) continue;
        if (!f.pw.pw_id) return missing("a PW id in its PWid FEC");
        if (!f.pw.mtu) return missing("the interface MTU of its PWid FEC");
        if (*m.label < 16)
          return Problem{status::BadTlvValue, m.id, m.type,
                         fmt::format("reserved label {} for a pseudowire", *m.label)};
      }
      break;
    case msg::LabelRequest:
    case msg::LabelWithdraw:
    case msg::LabelRelease:
    case msg::LabelAbort:
      if (!have_fec) return missing("a FEC");
      break;
    case msg::Notification:
      if (!have_status) return missing("a Status");
      if ((m.status->code & 0x3fffffff) == status::PwStatus && (!m.pw_status || !have_fec))
        return missing("a PW Status and a FEC");
      break;
  }
  return std::nullopt;
}

bool known_message(uint16_t t) {
  switch (t) {
    case msg::Notification: case msg::Hello: case msg::Init: case msg::KeepAlive:
    case msg::Capability: case msg::Address: case msg::AddressWithdraw:
    case msg::LabelMapping: case msg::LabelRequest: case msg::LabelWithdraw:
    case msg::LabelRelease: case msg::LabelAbort:
      return true;
  }
  return false;
}

}  // namespace

Framing frame_length(std::span<const uint8_t> s) {
  if (s.size() < 4) return {};
  uint16_t version = load_be16(s.data()), len = load_be16(s.data() + 2);
  if (version != kVersion)
    return {0, Problem{status::BadProtoVersion, 0, 0, fmt::format("LDP version {}", version)}};
  if (len < 6 || len + 4u > kMaxPdu)
    return {0, Problem{status::BadPduLength, 0, 0, fmt::format("PDU length {}", len)}};
  if (s.size() < len + 4u) return {};
  return {size_t(len) + 4, std::nullopt};
}

Decoded decode(std::span<const uint8_t> b) {
  Decoded out;
  if (b.size() < 10) {
    out.fatal = Problem{status::BadPduLength, 0, 0, fmt::format("{} bytes, no PDU header", b.size())};
    return out;
  }
  uint16_t version = load_be16(b.data()), len = load_be16(b.data() + 2);
  if (version != kVersion) {
    out.fatal = Problem{status::BadProtoVersion, 0, 0, fmt::format("LDP version {}", version)};
    return out;
  }
  if (len < 6 || len + 4u != b.size() || b.size() > kMaxPdu) {
    out.fatal = Problem{status::BadPduLength, 0, 0,
                        fmt::format("PDU length {} in {} bytes", len, b.size())};
    return out;
  }
  out.pdu.lsr_id = load_be32(b.data() + 4);
  out.pdu.label_space = load_be16(b.data() + 8);
  size_t i = 10;
  while (i < b.size()) {
    if (b.size() - i < 8) {
      out.fatal = Problem{status::BadMessageLength, 0, 0, "truncated message header"};
      return out;
    }
    Message m;
    uint16_t raw = load_be16(b.data() + i), mlen = load_be16(b.data() + i + 2);
    m.u = raw & 0x8000;
    m.type = raw & 0x7fff;
    m.id = load_be32(b.data() + i + 4);
    if (mlen < 4 || mlen > b.size() - i - 4) {
      out.fatal = Problem{status::BadMessageLength, m.id, m.type,
                          fmt::format("{} length {} past the PDU", message_name(m.type), mlen)};
      return out;
    }
    const uint8_t* body = b.data() + i + 8;
    size_t blen = mlen - 4;
    i += 4 + mlen;
    if (!known_message(m.type)) {
      if (!m.u)
        out.problems.push_back(Problem{status::UnknownMessage, m.id, m.type,
                                       fmt::format("unknown message 0x{:04x}", m.type)});
      continue;
    }
    if (auto p = read_tlvs(body, blen, m)) {
      if (p->fatal()) {
        out.fatal = std::move(p);
        return out;
      }
      out.problems.push_back(std::move(*p));
      continue;
    }
    out.pdu.messages.push_back(std::move(m));
  }
  return out;
}

std::vector<uint8_t> encode_message(const Message& m) {
  std::vector<uint8_t> b;
  {
    Open msg(b, uint16_t((m.u ? 0x8000 : 0) | m.type));
    put32(b, m.id);
    switch (m.type) {
      case msg::Hello: {
        Open t(b, tlv::CommonHello);
        put16(b, m.hello_holdtime);
        put16(b, uint16_t((m.targeted ? 0x8000 : 0) | (m.request_targeted ? 0x4000 : 0) |
                          (m.gtsm ? 0x2000 : 0)));
      }
        if (m.transport_address) {
          Open t(b, tlv::Ipv4Transport);
          put32(b, *m.transport_address);
        }
        if (m.config_sequence) {
          Open t(b, tlv::ConfigSeq);
          put32(b, *m.config_sequence);
        }
        break;
      case msg::Init: {
        {
          Open t(b, tlv::CommonSession);
          const auto& s = m.session;
          put16(b, s.protocol_version);
          put16(b, s.keepalive);
          b.push_back(uint8_t((s.downstream_on_demand ? 0x80 : 0) | (s.loop_detection ? 0x40 : 0)));
          b.push_back(s.path_vector_limit);
          put16(b, s.max_pdu);
          put32(b, s.receiver_lsr_id);
          put16(b, s.receiver_label_space);
        }
        if (m.cap_dynamic) put_cap(b, tlv::DynamicCap);
        if (m.cap_typed_wildcard) put_cap(b, tlv::TypedWildcardCap);
        if (m.cap_unrecognized_notif) put_cap(b, tlv::UnrecognizedNotifCap);
        break;
      }
      case msg::Address:
      case msg::AddressWithdraw:
        {  // a MAC withdraw carries it too, empty (RFC 5036 makes it mandatory; FRR's ldpd needs it)
          Open t(b, tlv::AddressList);
          put16(b, 1);
          for (uint32_t a : m.addresses) put32(b, a);
        }
        if (m.type == msg::AddressWithdraw && !m.fecs.empty()) put_fec(b, m.fecs);
        if (m.type == msg::AddressWithdraw && m.mac_list) {
          Open t(b, uint16_t(0x8000 | tlv::MacList));  // U bit (RFC 4762 6.2.1)
          for (const auto& mac : *m.mac_list) b.insert(b.end(), mac.begin(), mac.end());
        }
        break;
      case msg::Notification:
      case msg::LabelMapping:
      case msg::LabelRequest:
      case msg::LabelWithdraw:
      case msg::LabelRelease:
      case msg::LabelAbort:
        if (m.status) {
          Open t(b, tlv::Status);
          put32(b, m.status->code);
          put32(b, m.status->message_id);
          put16(b, m.status->message_type);
        }
        if (!m.fecs.empty() || m.type != msg::Notification) put_fec(b, m.fecs);
        if (m.label) {
          Open t(b, tlv::GenericLabel);
          put32(b, *m.label);
        }
        if (m.request_id) {
          Open t(b, tlv::RequestId);
          put32(b, *m.request_id);
        }
        if (m.pw_status) {  // U bit set (RFC 4447 5.4.2): a peer without it ignores it
          Open t(b, uint16_t(0x8000 | tlv::PwStatus));
          put32(b, *m.pw_status);
        }
        break;
      default:
        break;
    }
    for (const auto& u : m.unknown) {
      Open t(b, uint16_t((u.u ? 0x8000 : 0) | (u.f ? 0x4000 : 0) | u.type));
      b.insert(b.end(), u.value.begin(), u.value.end());
    }
  }
  return b;
}

std::vector<uint8_t> encode(const Pdu& pdu) {
  std::vector<uint8_t> b;
  put16(b, kVersion);
  put16(b, 0);
  put32(b, pdu.lsr_id);
  put16(b, pdu.label_space);
  for (const auto& m : pdu.messages) {
    auto mb = encode_message(m);
    b.insert(b.end(), mb.begin(), mb.end());
  }
  size_t len = b.size() - 4;
  b[2] = uint8_t(len >> 8);
  b[3] = uint8_t(len);
  return b;
}

std::string status_name(uint32_t code) {
  switch (code & 0x3fffffff) {
    case 0x00: return "Success";
    case 0x01: return "Bad LDP Identifier";
    case 0x02: return "Bad Protocol Version";
    case 0x03: return "Bad PDU Length";
    case 0x04: return "Unknown Message Type";
    case 0x05: return "Bad Message Length";
    case 0x06: return "Unknown TLV";
    case 0x07: return "Bad TLV Length";
    case 0x08: return "Malformed TLV Value";
    case 0x09: return "Hold Timer Expired";
    case 0x0A: return "Shutdown";
    case 0x0B: return "Loop Detected";
    case 0x0C: return "Unknown FEC";
    case 0x0D: return "No Route";
    case 0x0E: return "No Label Resources";
    case 0x0F: return "Label Resources Available";
    case 0x10: return "Session Rejected/No Hello";
    case 0x11: return "Session Rejected/Parameters Advertisement Mode";
    case 0x12: return "Session Rejected/Parameters Max PDU Length";
    case 0x13: return "Session Rejected/Parameters Label Range";
    case 0x14: return "KeepAlive Timer Expired";
    case 0x15: return "Label Request Aborted";
    case 0x16: return "Missing Message Parameters";
    case 0x17: return "Unsupported Address Family";
    case 0x18: return "Session Rejected/Bad KeepAlive Time";
    case 0x19: return "Internal Error";
    case 0x24: return "Illegal C-Bit";
    case 0x25: return "Wrong C-Bit";
    case 0x28: return "PW Status";
    case 0x2A: return "Generic Misconfiguration Error";
    case 0x2E: return "Unsupported Capability";
    case 0x2F: return "End-of-LIB";
  }
  return fmt::format("status 0x{:08x}", code);
}

std::string message_name(uint16_t t) {
  switch (t) {
    case msg::Notification: return "Notification";
    case msg::Hello: return "Hello";
    case msg::Init: return "Initialization";
    case msg::KeepAlive: return "KeepAlive";
    case msg::Capability: return "Capability";
    case msg::Address: return "Address";
    case msg::AddressWithdraw: return "Address Withdraw";
    case msg::LabelMapping: return "Label Mapping";
    case msg::LabelRequest: return "Label Request";
    case msg::LabelWithdraw: return "Label Withdraw";
    case msg::LabelRelease: return "Label Release";
    case msg::LabelAbort: return "Label Abort Request";
  }
  return fmt::format("message 0x{:04x}", t);
}

std::string pw_status_string(uint32_t bits) {
  if (bits == pw_status::Forwarding) return "forwarding";
  std::string out;
  auto add = [&](uint32_t bit, const char* name) {
    if (!(bits & bit)) return;
    if (!out.empty()) out += ", ";
    out += name;
    bits &= ~bit;
  };
  add(pw_status::NotForwarding, "not forwarding");
  add(pw_status::AcRxFault, "AC ingress fault");
  add(pw_status::AcTxFault, "AC egress fault");
  add(pw_status::PsnRxFault, "PSN ingress fault");
  add(pw_status::PsnTxFault, "PSN egress fault");
  if (bits) out += fmt::format("{}0x{:x}", out.empty() ? "" : ", ", bits);
  return out;
}

std::string pw_type_name(uint16_t type) {
  switch (type) {
    case pw_type::Ethernet: return "ethernet";
    case pw_type::EthernetTagged: return "ethernet-tagged";
    case pw_type::Wildcard: return "any";
  }
  return fmt::format("type {}", type);
}

std::string ip_string(uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

std::string prefix_string(const Prefix& p) {
  return fmt::format("{}/{}", ip_string(p.address), p.length);
}

std::optional<uint32_t> parse_ip(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

}  // namespace l2vpn::ldp
