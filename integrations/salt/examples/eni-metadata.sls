# Every ENI of this instance, from its instance metadata. The pillar values exist for the
# test suite (a local metadata server, fixed NIC names); on an ECS instance the defaults apply.
every-eni:
  eniplan.managed:
    - source: metadata
    - metadata_url: {{ pillar.get('eni_metadata_url', 'http://100.100.100.200/latest/meta-data/') }}
{%- if pillar.get('eni_nics') %}
    - nics: {{ pillar['eni_nics'] | json }}
{%- endif %}
    - target: {{ pillar.get('eni_target', 'auto') }}
    - root: {{ pillar.get('eni_root', '/') }}
