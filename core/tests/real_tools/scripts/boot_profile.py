"""Which NetworkManager profile a NIC gets at boot: every keyfile of a directory read with libnm's
own reader (NM.keyfile_read, normalised as NetworkManager loads it), the ones that may
autoconnect on the NIC kept (interface-name equal to its name, or none; mac-address equal to its
MAC, or none), the highest autoconnect-priority first (nm-settings-nmcli(5): "the connection
with the higher priority" is activated). Prints JSON: the candidates, best first.

usage: boot_profile.py DIRECTORY NAME MAC
"""
import json
import os
import sys

import gi

gi.require_version("NM", "1.0")
from gi.repository import GLib, NM  # noqa: E402

directory, name, mac = sys.argv[1], sys.argv[2], sys.argv[3].lower()
candidates = []
for file in sorted(os.listdir(directory)):
    path = os.path.join(directory, file)
    keyfile = GLib.KeyFile()
    keyfile.load_from_file(path, GLib.KeyFileFlags.NONE)
    connection = NM.keyfile_read(keyfile, directory, NM.KeyfileHandlerFlags.NONE, None, None)
    connection.normalize()
    setting = connection.get_setting_connection()
    if not setting.get_autoconnect():
        continue
    bound_name = setting.get_interface_name()
    wired = connection.get_setting_wired()
    bound_mac = (wired.get_mac_address() or "").lower() if wired else ""
    if bound_name and bound_name != name:
        continue
    if bound_mac and bound_mac != mac:
        continue
    candidates.append({
        "file": file,
        "id": setting.get_id(),
        "priority": setting.get_autoconnect_priority(),
    })
candidates.sort(key=lambda c: -c["priority"])
print(json.dumps(candidates))
