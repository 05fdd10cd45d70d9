#include "oam/vccv.hpp"

namespace l2vpn::oam {

void build_ach(Bytes& out, uint16_t channel_type, std::span<const uint8_t> payload) {
  Writer w(out);
  w.u8(0x10);  // 0001 | version 0
  w.u8(0);     // reserved
  w.u16(channel_type);
  w.bytes(payload);
}

AchError parse_ach(std::span<const uint8_t> in, Ach& out, std::span<const uint8_t>& payload) {
  if (in.size() < kAchLen) return AchError::truncated;
  if ((in[0] >> 4) != 1) return AchError::not_ach;
  out.version = in[0] & 15;
  if (out.version != 0) return AchError::bad_version;
  if (in[1] != 0) return AchError::reserved_not_zero;
  out.channel_type = load_be16(&in[2]);
  payload = in.subspan(kAchLen);
  return AchError::ok;
}

void encode_vccv_subtlv(Bytes& out, const VccvParams& p) {
  out.push_back(kVccvSubTlvType);
  out.push_back(4);
  out.push_back(p.cc_types);
  out.push_back(p.cv_types);
}

bool decode_vccv_subtlv(std::span<const uint8_t> in, VccvParams& out) {
  if (in.size() < 4 || in[0] != kVccvSubTlvType || in[1] != 4) return false;
  out.cc_types = in[2];
  out.cv_types = in[3];
  return true;
}

VccvParams agree(const VccvParams& local, const VccvParams& remote, bool control_word) {
  VccvParams r;
  uint8_t common = local.cc_types & remote.cc_types;
  if (!control_word) common &= uint8_t(~cc::type1_control_word);
  for (uint8_t bit : {cc::type1_control_word, cc::type2_router_alert, cc::type3_ttl_expiry}) {
    if (common & bit) {
      r.cc_types = bit;
      break;
    }
  }
  if (r.cc_types) r.cv_types = local.cv_types & remote.cv_types;
  return r;
}

Bytes vccv_bfd(const BfdControl& p) {
  Bytes out;
  build_ach(out, channel::bfd_raw, encode(p));
  return out;
}

}  // namespace l2vpn::oam
