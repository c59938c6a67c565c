# Every ENI of this instance, from its instance metadata (Alibaba Cloud's, EC2's or Azure's,
# told by the host). The pillar values exist for the test suite (a local metadata server,
# fixed NIC names); on a cloud instance the defaults apply.
every-eni:
  eniplan.managed:
    - source: metadata
    - metadata_cloud: {{ pillar.get('eni_cloud', 'auto') }}
{%- if pillar.get('eni_metadata_url') %}
    - metadata_url: {{ pillar['eni_metadata_url'] }}
{%- endif %}
{%- if pillar.get('eni_nics') %}
    - nics: {{ pillar['eni_nics'] | json }}
{%- endif %}
    - target: {{ pillar.get('eni_target', 'auto') }}
    - root: {{ pillar.get('eni_root', '/') }}
