//! The address rules every part of eniplan shares, each written once: a netmask's prefix
//! (contiguous or nothing), the class default of an address written without a prefix,
//! `address/prefix` splitting, link-local IPv6.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The prefix length a dotted netmask spells, when its one-bits are contiguous
/// (`255.255.255.0` → 24); `None` for anything else (`255.0.255.0`, `24`, a word).
pub(crate) fn netmask_prefix(text: &str) -> Option<u8> {
    let bits = u32::from(text.trim().parse::<Ipv4Addr>().ok()?);
    // leading_ones is at most 32, so it fits a u8.
    (bits.leading_ones() + bits.trailing_zeros() == 32).then_some(bits.leading_ones() as u8)
}

/// The prefix an IPv4 address written without one gets from the tools that apply a default:
/// its class (A /8, B /16, C and above /24), as NetworkManager's ifcfg-rh reader
/// (`nm_ip4_addr_get_default_prefix`), ipcalc and systemd-networkd do.
pub(crate) fn class_prefix(address: Ipv4Addr) -> u8 {
    match address.octets()[0] {
        0..=127 => 8,
        128..=191 => 16,
        _ => 24,
    }
}

/// `address/prefix` split at its slash: the address text and the prefix text, if any.
pub(crate) fn split_cidr(text: &str) -> (&str, Option<&str>) {
    match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    }
}

/// Whether an IPv6 address is link-local (`fe80::/10`): a next hop only reachable through a
/// named interface.
pub(crate) fn is_link_local(address: Ipv6Addr) -> bool {
    address.segments()[0] & 0xffc0 == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netmasks_classes_and_cidrs() {
        assert_eq!(netmask_prefix("255.255.255.0"), Some(24));
        assert_eq!(netmask_prefix("0.0.0.0"), Some(0));
        assert_eq!(netmask_prefix("255.0.255.0"), None);
        assert_eq!(netmask_prefix("24"), None);
        assert_eq!(class_prefix(Ipv4Addr::new(10, 1, 2, 3)), 8);
        assert_eq!(class_prefix(Ipv4Addr::new(172, 16, 3, 4)), 16);
        assert_eq!(class_prefix(Ipv4Addr::new(192, 168, 1, 5)), 24);
        assert_eq!(split_cidr("10.0.0.1/8"), ("10.0.0.1", Some("8")));
        assert_eq!(split_cidr("10.0.0.1"), ("10.0.0.1", None));
        assert!(is_link_local("fe80::1".parse().expect("v6")));
        assert!(!is_link_local("2001:db8::1".parse().expect("v6")));
    }
}
