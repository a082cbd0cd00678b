// haven SDK: the overload set for std::visit over the SDK's variants (Event, Action, HostStep):
//
//   std::visit(haven::Overloaded{[](const CommandEvent&) {...}, [](const HookFinished&) {...}}, event);
#pragma once

namespace haven {

/// A callable made of the lambdas given, each handling the alternatives it accepts.
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace haven
