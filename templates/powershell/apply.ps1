# Written by eniplan: applies the plan to the adapters below, verifies it, and puts each
# adapter's IP configuration back as it was captured when anything fails.
#
# Run it on the host, elevated: powershell.exe -NoProfile -ExecutionPolicy Bypass -File apply.ps1
# (integrations/ansible/examples/windows.yml does it with win_copy and win_command). Exit status:
# 0 applied and verified, or unchanged (the first line says which); 1 rolled back (what failed
# is printed); 2 refused before anything changed; 3 the rollback itself failed (what is not
# restored is printed).
# The capture is saved first, to %ProgramData%\eniplan\before-<time>.json: after a crash,
# `apply.ps1 -RollBack <that file>` restores it.
param(
    [string]$RollBack = '',
    [int]$SettleSeconds = 20,
    [int]$ProbeSeconds = 3
)
$ErrorActionPreference = 'Stop'
$script:ExitStatus = 0

$Plan = @(
{% for adapter in adapters %}
    [pscustomobject]@{
        Alias = {{ adapter.alias }}
        IPv4 = @({% for cidr in adapter.ipv4 %}{{ cidr }}{% if not loop.last %}, {% endif %}{% endfor %})
        Gateway = {{ adapter.gateway }}
        IPv6 = @({% for cidr in adapter.ipv6 %}{{ cidr }}{% if not loop.last %}, {% endif %}{% endfor %})
        Gateway6 = {{ adapter.gateway6 }}
        Dns = @({% for server in adapter.dns %}{{ server }}{% if not loop.last %}, {% endif %}{% endfor %})
    }{% if not loop.last %},{% endif %}

{% endfor %}
)

# The adapter's IP configuration as a rollback needs it: DHCP on or off, the addresses set by
# hand (PrefixOrigin Manual) with their prefix and SkipAsSource, the addresses DHCP leased,
# the default routes set by hand (Protocol NetMgmt; DHCP's come back with the lease), and the
# DNS servers set by hand (the NameServer value of the adapter's Tcpip and Tcpip6 keys; DHCP's
# are in DhcpNameServer).
function Get-AdapterState([string]$Alias) {
    $interface = Get-NetIPInterface -InterfaceAlias $Alias -AddressFamily IPv4
    $addresses = @(Get-NetIPAddress -InterfaceAlias $Alias -ErrorAction SilentlyContinue)
    $guid = (Get-NetAdapter -Name $Alias).InterfaceGuid
    $servers = @()
    foreach ($stack in @('Tcpip', 'Tcpip6')) {
        $key = "HKLM:\SYSTEM\CurrentControlSet\Services\$stack\Parameters\Interfaces\$guid"
        $value = (Get-ItemProperty -Path $key -Name NameServer -ErrorAction SilentlyContinue).NameServer
        if ($value) {
            $servers += @($value -split '[,\s]+' | Where-Object { $_ })
        }
    }
    [pscustomobject]@{
        Alias = $Alias
        Dhcp = [string]$interface.Dhcp
        Static = @($addresses | Where-Object { [string]$_.PrefixOrigin -eq 'Manual' } | ForEach-Object {
            [pscustomobject]@{
                IPAddress = $_.IPAddress
                AddressFamily = [string]$_.AddressFamily
                PrefixLength = [int]$_.PrefixLength
                SkipAsSource = [bool]$_.SkipAsSource
            }
        })
        Leased = @($addresses | Where-Object { [string]$_.PrefixOrigin -eq 'Dhcp' } | ForEach-Object { $_.IPAddress })
        Routes = @(Get-NetRoute -InterfaceAlias $Alias -ErrorAction SilentlyContinue | Where-Object {
            $_.DestinationPrefix -in @('0.0.0.0/0', '::/0') -and [string]$_.Protocol -eq 'NetMgmt'
        } | ForEach-Object {
            [pscustomobject]@{
                DestinationPrefix = $_.DestinationPrefix
                NextHop = $_.NextHop
                RouteMetric = [int]$_.RouteMetric
            }
        })
        NameServers = $servers
    }
}

# How the adapter's configuration now differs from a captured one, in words (none: equal).
function Compare-AdapterState($Before, $Now) {
    $differences = @()
    if ($Now.Dhcp -ne $Before.Dhcp) {
        $differences += "DHCP is $($Now.Dhcp), was $($Before.Dhcp)"
    }
    $was = @($Before.Static | ForEach-Object { "$($_.IPAddress)/$($_.PrefixLength) SkipAsSource=$($_.SkipAsSource)" } | Sort-Object)
    $is = @($Now.Static | ForEach-Object { "$($_.IPAddress)/$($_.PrefixLength) SkipAsSource=$($_.SkipAsSource)" } | Sort-Object)
    if (($was -join ', ') -ne ($is -join ', ')) {
        $differences += "static addresses: $($is -join ', '); were: $($was -join ', ')"
    }
    foreach ($leased in @($Before.Leased)) {
        if (@($Now.Leased) -notcontains $leased) {
            $differences += "the leased address $leased is not back"
        }
    }
    $was = @($Before.Routes | ForEach-Object { "$($_.DestinationPrefix) via $($_.NextHop)" } | Sort-Object)
    $is = @($Now.Routes | ForEach-Object { "$($_.DestinationPrefix) via $($_.NextHop)" } | Sort-Object)
    if (($was -join ', ') -ne ($is -join ', ')) {
        $differences += "default routes: $($is -join ', '); were: $($was -join ', ')"
    }
    if ((@($Now.NameServers) -join ', ') -ne (@($Before.NameServers) -join ', ')) {
        $differences += "DNS servers set by hand: $(@($Now.NameServers) -join ', '); were: $(@($Before.NameServers) -join ', ')"
    }
    $differences
}

# Puts a captured configuration back: what the change added goes, DHCP is set as it was, what
# the change took away comes back, the DNS servers are set as they were (or reset to DHCP's).
function Restore-Adapter($Before) {
    $alias = $Before.Alias
    $now = Get-AdapterState $alias
    foreach ($route in @($now.Routes)) {
        if (-not (@($Before.Routes) | Where-Object { $_.DestinationPrefix -eq $route.DestinationPrefix -and $_.NextHop -eq $route.NextHop })) {
            Remove-NetRoute -InterfaceAlias $alias -DestinationPrefix $route.DestinationPrefix -NextHop $route.NextHop -Confirm:$false
        }
    }
    foreach ($address in @($now.Static)) {
        if (-not (@($Before.Static) | Where-Object { $_.IPAddress -eq $address.IPAddress })) {
            Remove-NetIPAddress -InterfaceAlias $alias -IPAddress $address.IPAddress -Confirm:$false
        }
    }
    Set-NetIPInterface -InterfaceAlias $alias -AddressFamily IPv4 -Dhcp $Before.Dhcp
    foreach ($address in @($Before.Static)) {
        $found = Get-NetIPAddress -InterfaceAlias $alias -IPAddress $address.IPAddress -ErrorAction SilentlyContinue
        if (-not $found) {
            New-NetIPAddress -InterfaceAlias $alias -AddressFamily $address.AddressFamily -IPAddress $address.IPAddress -PrefixLength $address.PrefixLength -SkipAsSource $address.SkipAsSource | Out-Null
        } elseif ($found.PrefixLength -ne $address.PrefixLength -or [bool]$found.SkipAsSource -ne [bool]$address.SkipAsSource) {
            Set-NetIPAddress -InterfaceAlias $alias -IPAddress $address.IPAddress -PrefixLength $address.PrefixLength -SkipAsSource $address.SkipAsSource
        }
    }
    foreach ($route in @($Before.Routes)) {
        if (-not (Get-NetRoute -InterfaceAlias $alias -DestinationPrefix $route.DestinationPrefix -NextHop $route.NextHop -ErrorAction SilentlyContinue)) {
            New-NetRoute -InterfaceAlias $alias -DestinationPrefix $route.DestinationPrefix -NextHop $route.NextHop -RouteMetric $route.RouteMetric | Out-Null
        }
    }
    if (@($Before.NameServers).Count -gt 0) {
        Set-DnsClientServerAddress -InterfaceAlias $alias -ServerAddresses $Before.NameServers
    } else {
        Set-DnsClientServerAddress -InterfaceAlias $alias -ResetServerAddresses
    }
}

# The gateway answers on its link: its neighbour entry is dropped, an echo request from the
# adapter's address makes Windows resolve it again, and the entry must become Reachable
# (Get-NetNeighbor's State) within $ProbeSeconds. The echo may go unanswered (a gateway may
# drop ICMP); the neighbour resolution may not.
function Test-Gateway([string]$Alias, [string]$Source, [string]$Gateway) {
    Remove-NetNeighbor -InterfaceAlias $Alias -IPAddress $Gateway -Confirm:$false -ErrorAction SilentlyContinue
    $deadline = (Get-Date).AddSeconds($ProbeSeconds)
    while ($true) {
        & ping.exe -n 1 -w 500 -S $Source $Gateway | Out-Null
        $neighbor = Get-NetNeighbor -InterfaceAlias $Alias -IPAddress $Gateway -ErrorAction SilentlyContinue
        if ($neighbor -and [string]$neighbor.State -in @('Reachable', 'Permanent')) {
            return
        }
        if ((Get-Date) -gt $deadline) {
            throw "the gateway $Gateway does not answer on $Alias"
        }
        Start-Sleep -Milliseconds 200
    }
}

# The running configuration holds the plan: every address usable (not tentative, not a
# duplicate) with its prefix, the primary the only source address of its family, the default
# routes, the gateways answering, the DNS servers set.
function Test-Plan($Adapter) {
    $alias = $Adapter.Alias
    $deadline = (Get-Date).AddSeconds($SettleSeconds)
    foreach ($list in @(@($Adapter.IPv4), @($Adapter.IPv6))) {
        $index = 0
        foreach ($cidr in $list) {
            $address, $prefix = $cidr -split '/'
            while ($true) {
                $found = Get-NetIPAddress -InterfaceAlias $alias -IPAddress $address -ErrorAction SilentlyContinue
                if ($found -and [string]$found.AddressState -eq 'Preferred') {
                    break
                }
                if ($found -and [string]$found.AddressState -eq 'Duplicate') {
                    throw "$address is in use by another host on $alias (duplicate address detection)"
                }
                if ((Get-Date) -gt $deadline) {
                    throw "$address is not usable on $alias after $SettleSeconds s"
                }
                Start-Sleep -Milliseconds 200
            }
            if ([int]$found.PrefixLength -ne [int]$prefix) {
                throw "$address has the prefix $($found.PrefixLength) on $alias, planned $prefix"
            }
            if ([bool]$found.SkipAsSource -ne ($index -gt 0)) {
                throw "$address has SkipAsSource $($found.SkipAsSource) on $alias: only the primary may be a source"
            }
            $index += 1
        }
    }
    if ($Adapter.Gateway) {
        if (-not (Get-NetRoute -InterfaceAlias $alias -DestinationPrefix '0.0.0.0/0' -NextHop $Adapter.Gateway -ErrorAction SilentlyContinue)) {
            throw "no default route via $($Adapter.Gateway) on $alias"
        }
        Test-Gateway $alias ($Adapter.IPv4[0] -split '/')[0] $Adapter.Gateway
    }
    if ($Adapter.Gateway6) {
        if (-not (Get-NetRoute -InterfaceAlias $alias -DestinationPrefix '::/0' -NextHop $Adapter.Gateway6 -ErrorAction SilentlyContinue)) {
            throw "no IPv6 default route via $($Adapter.Gateway6) on $alias"
        }
        Test-Gateway $alias ($Adapter.IPv6[0] -split '/')[0] $Adapter.Gateway6
    }
    if (@($Adapter.Dns).Count -gt 0) {
        $servers = @(Get-DnsClientServerAddress -InterfaceAlias $alias | ForEach-Object { $_.ServerAddresses })
        foreach ($server in $Adapter.Dns) {
            if ($servers -notcontains $server) {
                throw "the DNS server $server is not set on $alias"
            }
        }
    }
}

# Restores every captured adapter, then waits up to $SettleSeconds for each to equal its capture
# (a DHCP lease takes a moment): exit status 1 when all do, 3 naming what does not.
function Undo-Change($Before, [string]$Failure) {
    $left = @()
    foreach ($state in @($Before)) {
        try {
            Restore-Adapter $state
        } catch {
            $left += "$($state.Alias): $_"
        }
    }
    foreach ($state in @($Before)) {
        $deadline = (Get-Date).AddSeconds($SettleSeconds)
        while ($true) {
            $differences = @(Compare-AdapterState $state (Get-AdapterState $state.Alias))
            if ($differences.Count -eq 0 -or (Get-Date) -gt $deadline) {
                break
            }
            Start-Sleep -Milliseconds 500
        }
        $left += @($differences | ForEach-Object { "$($state.Alias): $_" })
    }
    if ($left.Count -eq 0) {
        Write-Output "rolled back: $Failure"
        $script:ExitStatus = 1
    } else {
        Write-Output "THE ROLLBACK FAILED (after: $Failure); not restored:"
        $left | ForEach-Object { Write-Output "  $_" }
        $script:ExitStatus = 3
    }
}

if ($RollBack) {
    $before = @(Get-Content -Raw -Path $RollBack | ConvertFrom-Json)
    Undo-Change $before "rollback of $RollBack asked for"
    exit $script:ExitStatus
}

try {
    $before = @($Plan | ForEach-Object { Get-AdapterState $_.Alias })
    $directory = Join-Path $env:ProgramData 'eniplan'
    New-Item -ItemType Directory -Force -Path $directory | Out-Null
    $capture = Join-Path $directory ('before-' + (Get-Date -Format 'yyyyMMddTHHmmss') + '.json')
    ConvertTo-Json -InputObject $before -Depth 5 | Set-Content -Path $capture -Encoding UTF8
} catch {
    Write-Output "refused, nothing changed: the adapters' configuration cannot be captured: $_"
    exit 2
}

try {
{% for command in commands %}
    # {{ command.purpose | code }}
    {{ command.line | code }}
{% endfor %}
    foreach ($adapter in $Plan) {
        Test-Plan $adapter
    }
} catch {
    Undo-Change $before "$_"
    exit $script:ExitStatus
}
$changed = @($before | Where-Object { @(Compare-AdapterState $_ (Get-AdapterState $_.Alias)).Count -gt 0 })
if ($changed.Count -eq 0) {
    Write-Output 'unchanged: the adapters already held the plan (verified)'
} else {
    Write-Output "applied and verified (the capture before it: $capture)"
}
exit 0
