// The timeline: events parsed and resolved against the topology, fired in
// time order, the control plane's recomputation applied to the routers
// (with the BFD overlay), and events injected while serving.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>

#include "sim/emulator_impl.hpp"

namespace l2vpn::sim {

namespace {

constexpr uint64_t kMacFloodGapNs = 10'000;  // 100,000 frames per second

}  // namespace

// ------------------------------------------------------------ parsing
std::string_view to_string(EventKind k) {
  switch (k) {
    case EventKind::link_down: return "link-down";
    case EventKind::link_up: return "link-up";
    case EventKind::router_down: return "router-down";
    case EventKind::router_up: return "router-up";
    case EventKind::service_remove: return "service-remove";
    case EventKind::service_add: return "service-add";
    case EventKind::mac_flood: return "mac-flood";
  }
  return "?";
}

Result<uint64_t> parse_duration(std::string_view text) {
  // The unit is the trailing letters; the rest is a number (1.5, 1e3).
  size_t i = text.size();
  while (i > 0 && std::isalpha(static_cast<unsigned char>(text[i - 1]))) --i;
  const std::string number(text.substr(0, i));
  const std::string_view unit = text.substr(i);
  char* end = nullptr;
  const double v = number.empty() ? 0 : std::strtod(number.c_str(), &end);
  const bool is_number = !number.empty() && end && !*end && std::isfinite(v) &&
                         number.find_first_of("xXpP") == std::string::npos;  // no hex floats
  if (is_number && v < 0) return Error{fmt::format("'{}': a time cannot be negative", text)};
  double scale;
  if (unit == "s" || unit.empty()) scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ns") scale = 1;
  else return Error{fmt::format("'{}': unknown time unit '{}' (ns, us, ms, s)", text, unit)};
  if (!is_number) return Error{fmt::format("'{}': not a time (e.g. 1s, 250ms, 10us)", text)};
  if (v * scale > 1.8e19) return Error{fmt::format("'{}': too large", text)};
  return uint64_t(std::llround(v * scale));
}

Result<EventSpec> parse_event(std::string_view text) {
  std::vector<std::string> words;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ') ++j;
    if (j > i) words.emplace_back(text.substr(i, j - i));
    i = j;
  }
  auto bad = [&](std::string_view why) {
    return Error{fmt::format(
        "event '{}': {} (forms: 'TIME link-down A:B', 'TIME link-up A:B', 'TIME router-down R', "
        "'TIME router-up R', 'TIME service-remove S', 'TIME service-add S', "
        "'TIME mac-flood SITE FRAMES')",
        text, why)};
  };
  if (words.size() < 3) return bad("too few words");
  EventSpec e;
  e.text = std::string(text);
  auto at = parse_duration(words[0]);
  if (!at) return bad(at.error().message);
  e.at_ns = *at;
  const std::string& verb = words[1];
  size_t want = 3;
  if (verb == "link-down" || verb == "link-up") {
    e.kind = verb == "link-down" ? EventKind::link_down : EventKind::link_up;
    auto ends = cp::parse_link_spec(words[2]);
    if (!ends) return bad(ends.error().message);
    e.a = ends->first;
    e.b = ends->second;
  } else if (verb == "router-down" || verb == "router-up") {
    e.kind = verb == "router-down" ? EventKind::router_down : EventKind::router_up;
    e.a = words[2];
  } else if (verb == "service-remove" || verb == "service-add") {
    e.kind = verb == "service-remove" ? EventKind::service_remove : EventKind::service_add;
    e.a = words[2];
  } else if (verb == "mac-flood") {
    e.kind = EventKind::mac_flood;
    e.a = words[2];
    want = 4;
    if (words.size() < 4) return bad("mac-flood needs a site and a frame count");
    auto [p, ec] = std::from_chars(words[3].data(), words[3].data() + words[3].size(), e.count);
    if (ec != std::errc() || p != words[3].data() + words[3].size() || e.count == 0 ||
        e.count > 10'000'000)
      return bad("frame count must be 1..10000000");
  } else {
    return bad(fmt::format("unknown event '{}'", verb));
  }
  if (words.size() != want) return bad("too many words");
  return e;
}

Result<Emulator::Impl::EventState> Emulator::Impl::resolve_one(const EventSpec& spec) const {
  const cp::Topology& t = names;
  auto service_index = [&](const std::string& name) {
    for (uint32_t i = 0; i < services.size(); ++i)
      if (services[i].name == name) return i;
    return UINT32_MAX;
  };
  EventState e;
  e.spec = spec;
  e.row.at_ms = ms(spec.at_ns);
  e.row.event = spec.text.empty() ? fmt::format("{} {} {}", ms(spec.at_ns), to_string(spec.kind), spec.a)
                                  : spec.text;
  e.row.kind = std::string(to_string(spec.kind));
  switch (spec.kind) {
    case EventKind::link_down:
    case EventKind::link_up:
      for (uint32_t i = 0; i < t.links.size(); ++i) {
        auto& l = t.links[i];
        if ((l.a == spec.a && l.b == spec.b) || (l.a == spec.b && l.b == spec.a)) e.links.push_back(i);
      }
      if (e.links.empty())
        return Error{fmt::format("event '{}': no link between '{}' and '{}'", e.row.event, spec.a, spec.b)};
      break;
    case EventKind::router_down:
    case EventKind::router_up:
      if (!t.find_router(spec.a))
        return Error{fmt::format("event '{}': no router '{}'", e.row.event, spec.a)};
      break;
    case EventKind::service_remove:
    case EventKind::service_add:
      e.service = service_index(spec.a);
      if (e.service == UINT32_MAX)
        return Error{fmt::format("event '{}': no service '{}'", e.row.event, spec.a)};
      break;
    case EventKind::mac_flood: {
      for (uint32_t i = 0; i < t.sites.size(); ++i)
        if (t.sites[i].name == spec.a) e.site = i;
      if (e.site == UINT32_MAX)
        return Error{fmt::format("event '{}': no site '{}'", e.row.event, spec.a)};
      bool hosted = false;
      for (auto& s : hosts->sites()) hosted |= s.site == e.site;
      if (!hosted)
        return Error{fmt::format("event '{}': site '{}' is in no service{}", e.row.event, spec.a,
                                 t.sites[e.site].interface.empty() || !opt.real_ports.size()
                                     ? ""
                                     : " with emulated hosts (it is bound to a real interface)")};
      break;
    }
  }
  return e;
}

Status Emulator::Impl::resolve_events() {
  std::vector<EventSpec> specs = opt.events;
  std::stable_sort(specs.begin(), specs.end(),
                   [](const EventSpec& a, const EventSpec& b) { return a.at_ns < b.at_ns; });
  // A timeline that cannot run as written is refused, not cut off: an event
  // after the end, a MAC flood that would outlast the traffic, a service
  // added while present or removed while absent (issue 14, failures 8, 9).
  std::vector<std::string> errors;
  std::set<std::string> absent;  // services removed so far along the timeline
  const std::string end_text = fmt::format("{} ms", ms(opt.duration_ns));
  for (auto& spec : specs) {
    auto e = resolve_one(spec);
    if (!e) {
      errors.push_back(e.error().message);
      continue;
    }
    const std::string& name = e->row.event;
    if (opt.timeline_within_duration && spec.at_ns > opt.duration_ns)
      errors.push_back(fmt::format("event '{}': at {} ms, after the end of the traffic ({}): it would never act",
                                   name, ms(spec.at_ns), end_text));
    if (opt.timeline_within_duration && spec.kind == EventKind::mac_flood && spec.at_ns <= opt.duration_ns &&
        spec.at_ns + spec.count * kMacFloodGapNs > opt.duration_ns)
      errors.push_back(fmt::format(
          "event '{}': {} frames at 100,000 per second end at {} ms, after the end of the traffic ({}); "
          "at most {} frames fit",
          name, spec.count, ms(spec.at_ns + spec.count * kMacFloodGapNs), end_text,
          (opt.duration_ns - spec.at_ns) / kMacFloodGapNs));
    if (spec.kind == EventKind::service_add && !absent.erase(spec.a))
      errors.push_back(fmt::format("event '{}': service '{}' is already present (service-add follows a "
                                   "service-remove of it)", name, spec.a));
    if (spec.kind == EventKind::service_remove && !absent.insert(spec.a).second)
      errors.push_back(fmt::format("event '{}': service '{}' is already removed", name, spec.a));
    events.push_back(std::move(*e));
  }
  if (!errors.empty()) {
    std::string all;
    for (auto& m : errors) all += (all.empty() ? "" : "\n") + m;
    return Error{all};
  }
  return Status::success();
}

ForwardingState Emulator::Impl::published(const ForwardingState& fs) const {
  ForwardingState copy = fs;
  if (!opt.lfa)
    for (auto& n : copy.nhlfes) n.backup_nhlfe.reset();
  if (!bfd_down.empty())
    for (auto& pw : copy.pseudowires)
      if (pw.up && bfd_down.count({fs.router, pw.peer, pw.pw_id})) {
        pw.up = false;  // the LSP stays: BFD goes on over it (OamAgent::bfd_send)
        pw.down_reason = std::string(kPwDownBfd);
      }
  return copy;
}

std::vector<cp::PwStatus> Emulator::Impl::pw_view() const {
  std::vector<cp::PwStatus> out = net->state().pseudowires;
  for (auto& pw : out)
    if (pw.up && bfd_down.count({pw.router, pw.peer, pw.pw_id})) {
      pw.up = false;
      pw.down_reason = std::string(kPwDownBfd);
    }
  return out;
}

Status Emulator::Impl::apply_diff(const cp::NetworkDiff& d, EventRow* row) {
  const auto& state = net->state();
  for (auto& [name, rd] : d.routers) {
    auto* fs = state.router(name);
    auto* r = bb->router(name);
    if (!fs || !r) continue;  // a router that is down keeps its tables; its links are down
    if (auto st = r->update(published(*fs)); !st) return st;
  }
  for (auto& r : bb->routers()) r->reclaim();  // what earlier updates retired
  if (row) {
    row->applied_at_ms = ms(now());
    row->routers_changed += d.routers.size();
    row->entries_changed += d.size();
    row->pw_changes += d.pw_changes.size();
    for (auto& pc : d.pw_changes) {
      if (pc.kind != cp::PwKind::vpls_spoke || !pc.up) continue;
      for (auto& v : net->topology().vpls)
        for (auto& sp : v.spokes)
          if (v.name == pc.service && sp.mtu_s == pc.router) switchovers.push_back({pc.router, now(), row});
    }
  }
  return Status::success();
}

std::string Emulator::Impl::unchanged_locked(const EventState& e) {
  link_down_now.resize(names.links.size(), false);
  service_removed_now.resize(services.size(), false);
  switch (e.spec.kind) {
    case EventKind::link_down:
    case EventKind::link_up: {
      const bool down = e.spec.kind == EventKind::link_down;
      for (auto l : e.links)
        if (link_down_now[l] != down) return "";
      return fmt::format("link {} -- {} is already {}", e.spec.a, e.spec.b, down ? "down" : "up");
    }
    case EventKind::router_down:
      return router_down_now.count(e.spec.a) ? fmt::format("router {} is already down", e.spec.a) : "";
    case EventKind::router_up:
      return router_down_now.count(e.spec.a) ? "" : fmt::format("router {} is up already", e.spec.a);
    case EventKind::service_remove:
      return service_removed_now[e.service] ? fmt::format("service {} is already removed", e.spec.a) : "";
    case EventKind::service_add:
      return service_removed_now[e.service] ? "" : fmt::format("service {} is there already", e.spec.a);
    case EventKind::mac_flood:
      return "";
  }
  return "";
}

void Emulator::Impl::note_locked(const EventState& e) {
  link_down_now.resize(names.links.size(), false);
  service_removed_now.resize(services.size(), false);
  switch (e.spec.kind) {
    case EventKind::link_down:
    case EventKind::link_up:
      for (auto l : e.links) link_down_now[l] = e.spec.kind == EventKind::link_down;
      break;
    case EventKind::router_down: router_down_now.insert(e.spec.a); break;
    case EventKind::router_up: router_down_now.erase(e.spec.a); break;
    case EventKind::service_remove:
    case EventKind::service_add:
      service_removed_now[e.service] = e.spec.kind == EventKind::service_remove;
      break;
    case EventKind::mac_flood: break;
  }
}

void Emulator::Impl::fire(EventState& e) {
  {
    std::lock_guard lock(inject_mu);
    note_locked(e);
  }
  EventRow* row = &e.row;
  auto recompute = [this, row](std::function<Result<cp::NetworkDiff>()> change, uint64_t delay) {
    at(now() + delay, [this, row, change = std::move(change)] {
      auto d = change();
      if (!d) {
        row->kind += fmt::format(" (control plane: {})", d.error().message);
        return;
      }
      if (auto st = apply_diff(*d, row); !st) row->kind += fmt::format(" (apply: {})", st.error().message);
      if (on_event) on_event(*row, true);
    });
  };
  const uint64_t delay = opt.control_plane_delay_ns;
  switch (e.spec.kind) {
    case EventKind::link_down:
    case EventKind::link_up: {
      const bool up = e.spec.kind == EventKind::link_up;
      // The wire and both ports change at once: the routers' LFAs act now,
      // the recomputed tables arrive after the control-plane delay.
      for (auto l : e.links) bb->set_link_up(l, up);
      auto links = e.links;
      recompute(
          [this, links, up]() -> Result<cp::NetworkDiff> {
            cp::NetworkDiff all;
            for (auto l : links) {
              auto d = up ? net->link_up(l) : net->link_down(l);
              if (!d) return d.error();
              for (auto& [k, v] : d->routers) all.routers[k] = v;
              all.pw_changes.insert(all.pw_changes.end(), d->pw_changes.begin(), d->pw_changes.end());
            }
            return all;
          },
          delay);
      break;
    }
    case EventKind::router_down:
    case EventKind::router_up: {
      const bool up = e.spec.kind == EventKind::router_up;
      bb->set_router_up(e.spec.a, up);
      const std::string name = e.spec.a;
      recompute([this, name, up] { return up ? net->router_up(name) : net->router_down(name); }, delay);
      break;
    }
    case EventKind::service_remove:
    case EventKind::service_add: {
      // Configuration: no failure to detect, applied at once.
      const bool add = e.spec.kind == EventKind::service_add;
      const uint32_t svc = e.service;
      const std::string name = e.spec.a;
      const bool vpws = services[svc].kind == "vpws";
      recompute(
          [this, svc, name, add, vpws]() -> Result<cp::NetworkDiff> {
            Result<cp::NetworkDiff> d = Error{""};
            if (add) d = vpws ? net->add_vpws(saved_vpws.at(name)) : net->add_vpls(saved_vpls.at(name));
            else d = vpws ? net->remove_vpws(name) : net->remove_vpls(name);
            if (d) removed[svc] = !add;
            return d;
          },
          0);
      break;
    }
    case EventKind::mac_flood: {
      const uint32_t site = e.site;
      auto rng = std::make_shared<Rng>(opt.seed, 0x3ac0000 + e.spec.at_ns);
      auto left = std::make_shared<uint64_t>(e.spec.count);
      auto burst = recurring_task();
      *burst = [this, site, rng, left, row, burst] {
        const uint64_t r = rng->next();
        const MacAddr src{0x02, 0xff, uint8_t(r), uint8_t(r >> 8), uint8_t(r >> 16), uint8_t(r >> 24)};
        const MacAddr dst{0x02, 0xfe, uint8_t(r >> 32), uint8_t(r >> 40), uint8_t(r >> 48), uint8_t(r >> 56)};
        if (hosts->send_raw(site, dst, src, 0x88b5, 46)) ++row->frames;
        if (--*left) at(now() + kMacFloodGapNs, *burst);
        else *burst = nullptr;  // break the cycle
      };
      at(now(), *burst);
      break;
    }
  }
  if (on_event) on_event(e.row, false);
}

void Emulator::Impl::fire_injected() {
  std::deque<EventState> todo;
  {
    std::lock_guard lock(inject_mu);
    todo.swap(injected);
  }
  for (auto& e : todo) {
    // Fired now: its time is the step's, whatever it was when queued.
    e.spec.at_ns = now();
    e.row.at_ms = ms(now());
    events.push_back(std::move(e));
    fire(events.back());
  }
}

Result<double> Emulator::inject(std::string_view text) {
  Impl& m = *impl_;
  const uint64_t now = m.published_now.load(std::memory_order_relaxed);
  // parse_event wants a time: the event happens when the loop takes it.
  auto spec = parse_event(fmt::format("0s {}", text));
  if (!spec) {
    // Its message quotes the text with the "0s " we added and lists the
    // timeline's forms: keep only why, with the forms an injected event takes.
    const std::string& msg = spec.error().message;
    const auto p = msg.find("': "), q = msg.find(" (forms:");
    const std::string why = p != std::string::npos && q != std::string::npos && q > p
                                ? msg.substr(p + 3, q - p - 3)
                                : msg;
    return Error{fmt::format("event '{}': {} ({})", text, why, kInjectForms)};
  }
  spec->text = std::string(text);
  spec->at_ns = now;
  auto e = m.resolve_one(*spec);
  if (!e) return e.error();
  std::lock_guard lock(m.inject_mu);
  if (auto why = m.unchanged_locked(*e); !why.empty())
    return Error{fmt::format("event '{}': {}: nothing changes, nothing queued", text, why)};
  m.note_locked(*e);
  m.injected.push_back(std::move(*e));
  return ms(now);
}

size_t Emulator::injected_pending() const {
  std::lock_guard lock(impl_->inject_mu);
  return impl_->injected.size();
}

}  // namespace l2vpn::sim
