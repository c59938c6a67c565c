eth0-secondary-ips:
  eniplan.managed:
    - plan:
        interface: eth0
        mac: "00:16:3e:16:43:aa"
        primary: 192.168.1.201
        secondaries: [192.168.1.202, 192.168.1.203]
        prefix: 24
        gateway: 192.168.1.253
        dns: [100.100.2.136, 100.100.2.138]
    - target: {{ pillar.get('eni_target', 'auto') }}
    - root: {{ pillar.get('eni_root', '/') }}
