#pragma once
// LDP PDU and message codec (RFC 5036), with the capability TLVs of RFC 5561,
// the typed wildcard FEC of RFC 5918 and End-of-LIB of RFC 5919 as FRR's
// ldpd uses them, and the PWid FEC element (FEC 128) with the PW Status TLV
// of RFC 4447 / RFC 8077 for pseudowires, and the VPLS MAC withdraw (an
// Address Withdraw with a FEC and the MAC List TLV, RFC 4762 6.2). Pure: bytes in, structs out, and back. Decoding never
// throws: what is wrong comes back as a Problem carrying the status code RFC
// 5036 names for it, so the session can answer with that notification.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ldp/bindings.hpp"

namespace l2vpn::ldp {

inline constexpr uint16_t kVersion = 1;
inline constexpr uint16_t kPort = 646;
inline constexpr size_t kMaxPdu = 4096;
inline constexpr uint32_t kAllRouters = 0xE0000002;  // 224.0.0.2
inline constexpr uint32_t kImplicitNull = 3;
inline constexpr uint32_t kExplicitNull = 0;

namespace msg {
inline constexpr uint16_t Notification = 0x0001, Hello = 0x0100, Init = 0x0200,
                          KeepAlive = 0x0201, Capability = 0x0202, Address = 0x0300,
                          AddressWithdraw = 0x0301, LabelMapping = 0x0400,
                          LabelRequest = 0x0401, LabelWithdraw = 0x0402,
                          LabelRelease = 0x0403, LabelAbort = 0x0404;
}
namespace tlv {
inline constexpr uint16_t Fec = 0x0100, AddressList = 0x0101, HopCount = 0x0103,
                          PathVector = 0x0104, GenericLabel = 0x0200, Status = 0x0300,
                          ExtStatus = 0x0301, ReturnedPdu = 0x0302, ReturnedMsg = 0x0303,
                          CommonHello = 0x0400, Ipv4Transport = 0x0401, ConfigSeq = 0x0402,
                          Ipv6Transport = 0x0403, CommonSession = 0x0500,
                          RequestId = 0x0600, ReturnedTlvs = 0x0304, DynamicCap = 0x0506,
                          TypedWildcardCap = 0x050B, UnrecognizedNotifCap = 0x0603,
                          DualStack = 0x0701,
                          PwStatus = 0x096A,  // sent with the U bit: 0x896A
                          MacList = 0x0404;   // RFC 4762 6.2.1, in Address Withdraw; U bit set
}
// FEC element types (RFC 5036 3.4.1, RFC 4447 5.2, RFC 5918).
namespace fec_type {
inline constexpr uint8_t Wildcard = 0x01, Prefix = 0x02, TypedWildcard = 0x05, Pwid = 0x80;
}
// PW types of RFC 4446 that we signal; the typed wildcard's "any PW type".
namespace pw_type {
inline constexpr uint16_t EthernetTagged = 0x0004, Ethernet = 0x0005, Wildcard = 0x7FFF;
}
// Interface parameter sub-TLVs of the PWid FEC element (RFC 4446 / RFC 4447 5.5).
namespace pw_param {
inline constexpr uint8_t Mtu = 0x01, Description = 0x03, RequestedVlan = 0x06, Vccv = 0x0C;
}
// PW Status TLV bits (RFC 4447 5.4.3, RFC 4446 3.5); 0 is "forwarding".
namespace pw_status {
inline constexpr uint32_t Forwarding = 0, NotForwarding = 0x01, AcRxFault = 0x02,
                          AcTxFault = 0x04, PsnRxFault = 0x08, PsnTxFault = 0x10;
}
// Status codes with their E (fatal) bit as sent on the wire.
namespace status {
inline constexpr uint32_t Fatal = 0x80000000;
inline constexpr uint32_t Success = 0x00000000, BadLdpId = 0x80000001,
                          BadProtoVersion = 0x80000002, BadPduLength = 0x80000003,
                          UnknownMessage = 0x00000004, BadMessageLength = 0x80000005,
                          UnknownTlv = 0x00000006, BadTlvLength = 0x80000007,
                          BadTlvValue = 0x80000008, HoldTimerExpired = 0x80000009,
                          Shutdown = 0x8000000A, LoopDetected = 0x0000000B,
                          UnknownFec = 0x0000000C, NoRoute = 0x0000000D,
                          NoLabelResources = 0x0000000E, LabelResourcesAvailable = 0x0000000F,
                          SessionRejectedNoHello = 0x80000010,
                          SessionRejectedAdvMode = 0x80000011,
                          SessionRejectedMaxPdu = 0x80000012,
                          SessionRejectedLabelRange = 0x80000013,
                          KeepAliveExpired = 0x80000014, MissingMessageParams = 0x00000016,
                          UnsupportedAddressFamily = 0x00000017,
                          SessionRejectedBadKeepAlive = 0x80000018, InternalError = 0x80000019,
                          IllegalCBit = 0x00000024, WrongCBit = 0x00000025,
                          PwStatus = 0x00000028, GenericMisconfiguration = 0x0000002A,
                          UnsupportedCapability = 0x0000002E, EndOfLib = 0x0000002F;
}
std::string pw_status_string(uint32_t bits);  // "forwarding" or the faults, comma separated
std::string pw_type_name(uint16_t type);
std::string status_name(uint32_t code);
std::string message_name(uint16_t type);

// The PWid FEC element (FEC 128, RFC 4447 5.2) with its interface parameters.
// Without a pw_id it names every PW of a group (a group wildcard, 5.3):
// allowed in Withdraw, Release and the PW status Notification only.
struct PwidFec {
  bool control_word = false;  // the C bit
  uint16_t pw_type = pw_type::Ethernet;
  uint32_t group_id = 0;
  std::optional<uint32_t> pw_id;
  std::optional<uint16_t> mtu;             // mandatory in a Label Mapping
  std::optional<uint16_t> requested_vlan;  // tagged mode (RFC 4448 4.4.2)
  std::string description;                 // tolerated, shown, never acted on
  std::optional<uint8_t> vccv_cc, vccv_cv; // VCCV (RFC 5085): kept, not acted on
  bool operator==(const PwidFec&) const = default;
};

struct FecElement {
  enum class Kind : uint8_t { Wildcard = 1, Prefix = 2, TypedWildcard = 5, Pwid = 0x80 };
  Kind kind = Kind::Prefix;
  Prefix prefix;                // Prefix
  uint8_t typed_type = 2;       // TypedWildcard: the FEC element type it covers
  uint16_t typed_family = 1;    // TypedWildcard of prefixes: the address family
  uint16_t typed_pw_type = pw_type::Wildcard;  // TypedWildcard of PWid FECs (RFC 6667)
  PwidFec pw;                   // Pwid
  bool operator==(const FecElement&) const = default;
  static FecElement of(Prefix p) { return FecElement{Kind::Prefix, p, 2, 1, pw_type::Wildcard, {}}; }
  static FecElement of(PwidFec p) {
    return FecElement{Kind::Pwid, {}, 2, 1, pw_type::Wildcard, std::move(p)};
  }
  static FecElement typed_wildcard_ipv4() {
    return FecElement{Kind::TypedWildcard, {}, 2, 1, pw_type::Wildcard, {}};
  }
  static FecElement typed_wildcard_pw(uint16_t type = pw_type::Wildcard) {
    return FecElement{Kind::TypedWildcard, {}, fec_type::Pwid, 0, type, {}};
  }
  static FecElement wildcard() { return FecElement{Kind::Wildcard, {}, 2, 1, pw_type::Wildcard, {}}; }
};

struct Status {
  uint32_t code = 0;  // with the E bit; the F bit is not used by us
  uint32_t message_id = 0;
  uint16_t message_type = 0;
  bool operator==(const Status&) const = default;
};

struct SessionParams {
  uint16_t protocol_version = kVersion;
  uint16_t keepalive = 180;
  bool downstream_on_demand = false;  // A bit
  bool loop_detection = false;        // D bit
  uint8_t path_vector_limit = 0;
  uint16_t max_pdu = 0;  // 0: the default 4096
  uint32_t receiver_lsr_id = 0;
  uint16_t receiver_label_space = 0;
  bool operator==(const SessionParams&) const = default;
};

// An optional TLV we do not understand but whose U bit told us to ignore it.
struct UnknownTlv {
  uint16_t type = 0;  // without the U and F bits
  bool u = false, f = false;
  std::vector<uint8_t> value;
  bool operator==(const UnknownTlv&) const = default;
};

// One message; the fields its type uses are set, the rest stay default.
struct Message {
  uint16_t type = 0;
  bool u = false;
  uint32_t id = 0;
  // Hello
  uint16_t hello_holdtime = 0;
  bool targeted = false, request_targeted = false, gtsm = false;
  std::optional<uint32_t> transport_address;
  std::optional<uint32_t> config_sequence;
  // Initialization
  SessionParams session;
  bool cap_dynamic = false, cap_typed_wildcard = false, cap_unrecognized_notif = false;
  // Address, Address Withdraw
  uint16_t address_family = 1;
  std::vector<uint32_t> addresses;
  // VPLS MAC withdraw (RFC 4762 6.2): an Address Withdraw with a FEC TLV
  // naming the VPLS and a MAC List TLV (set, possibly empty: "flush every
  // MAC but those learned from the sender") instead of an Address List.
  std::optional<std::vector<std::array<uint8_t, 6>>> mac_list;
  // Label messages (and the FEC of an End-of-LIB notification)
  std::vector<FecElement> fecs;
  std::optional<uint32_t> label;
  std::optional<uint32_t> request_id;
  std::optional<uint32_t> pw_status;  // PW Status TLV (mapping, notification)
  // Notification
  std::optional<Status> status;
  std::vector<UnknownTlv> unknown;
  bool operator==(const Message&) const = default;
};

struct Pdu {
  uint32_t lsr_id = 0;
  uint16_t label_space = 0;
  std::vector<Message> messages;
  bool operator==(const Pdu&) const = default;
};

// Something wrong in received bytes: the notification to send, what to say.
struct Problem {
  uint32_t status = 0;  // status code with its E bit: fatal ones end the session
  uint32_t message_id = 0;
  uint16_t message_type = 0;
  std::string what;
  bool fatal() const { return (status & status::Fatal) != 0; }
};

struct Decoded {
  Pdu pdu;                         // the messages that decoded cleanly
  std::vector<Problem> problems;   // non-fatal ones: that message was dropped
  std::optional<Problem> fatal;    // set: stop, notify, close the session
};

// The length of the PDU at the front of a TCP stream (header included) once
// 4 bytes are there; a Problem when version or length cannot be right.
struct Framing {
  size_t need = 0;  // 0: not enough bytes yet
  std::optional<Problem> problem;
};
Framing frame_length(std::span<const uint8_t> stream);

Decoded decode(std::span<const uint8_t> bytes);
std::vector<uint8_t> encode(const Pdu& pdu);
std::vector<uint8_t> encode_message(const Message& m);

std::string ip_string(uint32_t address);
std::string prefix_string(const Prefix& p);
std::optional<uint32_t> parse_ip(const std::string& text);

}  // namespace l2vpn::ldp
