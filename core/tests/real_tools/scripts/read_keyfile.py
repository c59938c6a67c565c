"""Reads a NetworkManager keyfile with libnm's own reader (NM.keyfile_read) and prints what
NetworkManager would use as JSON. Every reader warning (a key it drops or misreads) is fatal:
nmcli's loader would drop such a key silently."""
import json
import sys

import gi

gi.require_version("NM", "1.0")
from gi.repository import GLib, NM  # noqa: E402

path = sys.argv[1]
# --lenient: warnings are printed to stderr but do not fail (the reader cases judge files
# others wrote, where a dropped key is what NetworkManager does with it).
lenient = "--lenient" in sys.argv[2:]
keyfile = GLib.KeyFile()
keyfile.load_from_file(path, GLib.KeyFileFlags.NONE)
warnings = []


def handler(_keyfile, _connection, handler_type, handler_data, _user_data):
    if handler_type == NM.KeyfileHandlerType.WARN:
        warnings.append(repr(handler_data.warn_get()))
    return False


connection = NM.keyfile_read(keyfile, "/etc/NetworkManager/system-connections",
                             NM.KeyfileHandlerFlags.NONE, handler, None)
if warnings:
    print("\n".join(warnings), file=sys.stderr)
    if not lenient:
        sys.exit(3)
connection.normalize()
connection.verify()


def ip(setting):
    if setting is None:
        return None
    routes = []
    for index in range(setting.get_num_routes()):
        route = setting.get_route(index)
        table = route.get_attribute("table")
        routes.append({
            "to": f"{route.get_dest()}/{route.get_prefix()}",
            "via": route.get_next_hop(),
            "table": table.get_uint32() if table is not None else None,
        })
    rules = [setting.get_routing_rule(i).to_string(NM.IPRoutingRuleAsStringFlags.NONE, None)
             for i in range(setting.get_num_routing_rules())]
    return {
        "method": setting.get_method(),
        "addresses": [f"{a.get_address()}/{a.get_prefix()}"
                      for a in (setting.get_address(i) for i in range(setting.get_num_addresses()))],
        "gateway": setting.get_gateway(),
        "dns": [setting.get_dns(i) for i in range(setting.get_num_dns())],
        "ignore_auto_dns": setting.get_ignore_auto_dns(),
        "routes": routes,
        "rules": rules,
    }


wired = connection.get_setting_wired()
print(json.dumps({
    "id": connection.get_id(),
    "uuid": connection.get_uuid(),
    "type": connection.get_connection_type(),
    "interface": connection.get_interface_name(),
    "autoconnect": connection.get_setting_connection().get_autoconnect(),
    "autoconnect_priority": connection.get_setting_connection().get_autoconnect_priority(),
    "mac": wired.get_mac_address() if wired else None,
    "ipv4": ip(connection.get_setting_ip4_config()),
    "ipv6": ip(connection.get_setting_ip6_config()),
}))
