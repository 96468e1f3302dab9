# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every PowerShell text the Windows plugins send, one constant each (checked by make pwsh-syntax).

Rules for these scripts:
* data arrives only through `param()` (ansible.windows.win_powershell `parameters`);
* read scripts declare SupportsShouldProcess so win_powershell runs them in check mode too, and set
  `$Ansible.Changed = $false`;
* scripts return plain strings/numbers so Python sees the same shape on every PowerShell version;
* preconditions throw a fixed token (WSLFLEET_*) that Python maps to a message naming the fix,
  independent of the host's display language.
"""

from __future__ import annotations

# The one place that knows which wsl.exe to start. Store/MSI WSL installs the real wsl.exe under
# Program Files and records the folder in HKLM ...\Lxss\MSI InstallLocation (WSL's
# msipackage/package.wix.in); the System32 wsl.exe is only a stub that relaunches it, and that
# relaunch fails from session 0 (WinRM, OpenSSH, tasks without a desktop) with "The file cannot be
# accessed by the system" (microsoft/WSL#9231). System32 is left for inbox WSL, which has nothing
# else. Scripts embed this where they say `# <Get-WslExecutable>`; the syntax of every assembled
# script is checked by tests/unit/plugins/plugin_utils/test_windows_runner.py.
_WSL_RESOLVE_FUNCTION = r"""
function Get-WslExecutable {
    $programFiles = $env:ProgramW6432
    if (-not $programFiles) { $programFiles = $env:ProgramFiles }
    $candidates = New-Object -TypeName System.Collections.Generic.List[object]
    $msi = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Lxss\MSI' -Name InstallLocation -ErrorAction SilentlyContinue
    if ($msi -and $msi.InstallLocation) {
        $candidates.Add(@{ source = 'msi_install_location'; path = (Join-Path -Path ([string]$msi.InstallLocation) -ChildPath 'wsl.exe') })
    }
    $candidates.Add(@{ source = 'program_files'; path = (Join-Path -Path $programFiles -ChildPath 'WSL\wsl.exe') })
    $candidates.Add(@{ source = 'system32'; path = (Join-Path -Path $env:SystemRoot -ChildPath 'System32\wsl.exe') })
    foreach ($candidate in $candidates) {
        if (Test-Path -LiteralPath $candidate.path -PathType Leaf) { return $candidate }
    }
    $null
}
"""

# Windows PowerShell 5.1 turns each stderr line of a redirected native command into an error
# record, and under $ErrorActionPreference = 'Stop' the first one ends the script
# (PowerShell/PowerShell#3996, #4002; changed only in PowerShell 7.2). Native tools (netsh, wsl.exe)
# therefore run here under 'Continue', with their exit code and every line of output returned.
_INVOKE_NATIVE_FUNCTION = r"""
function Invoke-Native {
    param([Parameter(Mandatory)][string]$FilePath, [string[]]$Arguments = @())
    $ErrorActionPreference = 'Continue'
    $lines = @(& $FilePath @Arguments 2>&1 | ForEach-Object { ([string]$_) -replace "`0", '' })
    @{ rc = $LASTEXITCODE; lines = $lines; text = (($lines | Where-Object { $_.Trim() }) -join ' ').Trim() }
}
"""

_PARTS = {
    "# <Get-WslExecutable>\n": _WSL_RESOLVE_FUNCTION,
    "# <Invoke-Native>\n": _INVOKE_NATIVE_FUNCTION,
}


def _assemble(text):
    """Put the shared functions where a script names them (each is written once, above)."""
    for mark, function in _PARTS.items():
        text = text.replace(mark, function.lstrip("\n"))
    if "# <" in text:
        raise ValueError("script names a shared function that does not exist")
    return text


# Runs wsl.exe once per argument list with WSL_UTF8=1 and returns the raw bytes (base64) so that
# Python decodes them, with a UTF-16 fallback for builds that ignore WSL_UTF8. Reading both
# streams asynchronously avoids the pipe deadlock of sequential reads.
WSL_EXEC_PS1 = _assemble(r"""
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)][object[]]$Commands,
    [int]$TimeoutSeconds = 120
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function ConvertTo-ArgumentString {
    param([string[]]$Arguments)
    $quoted = foreach ($a in $Arguments) {
        if ($a -and $a -notmatch '[\s"]') { $a }
        else { '"' + (($a -replace '(\\*)"', '$1$1\"') -replace '(\\+)$', '$1$1') + '"' }
    }
    $quoted -join ' '
}

# <Get-WslExecutable>
$resolved = Get-WslExecutable
if (-not $resolved) { throw 'WSLFLEET_NO_WSL' }
$wsl = $resolved.path
$results = foreach ($command in $Commands) {
    $psi = New-Object -TypeName System.Diagnostics.ProcessStartInfo -ArgumentList $wsl
    $psi.Arguments = ConvertTo-ArgumentString -Arguments ([string[]]@($command))
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.CreateNoWindow = $true
    $psi.EnvironmentVariables['WSL_UTF8'] = '1'
    $proc = [System.Diagnostics.Process]::Start($psi)
    $stdout = New-Object -TypeName System.IO.MemoryStream
    $stderr = New-Object -TypeName System.IO.MemoryStream
    $outCopy = $proc.StandardOutput.BaseStream.CopyToAsync($stdout)
    $errCopy = $proc.StandardError.BaseStream.CopyToAsync($stderr)
    if (-not $proc.WaitForExit($TimeoutSeconds * 1000)) {
        $proc.Kill()
        throw "wsl.exe $($psi.Arguments) did not finish within $TimeoutSeconds seconds"
    }
    [System.Threading.Tasks.Task]::WaitAll(@($outCopy, $errCopy))
    @{
        args = @($command)
        rc = $proc.ExitCode
        stdout = [Convert]::ToBase64String($stdout.ToArray())
        stderr = [Convert]::ToBase64String($stderr.ToArray())
    }
}
$Ansible.Result = @{
    executable = $wsl
    executable_source = $resolved.source
    runs = @($results)
}
""")

# Facts wsl_info needs from the host besides wsl.exe: who we run as, the Windows build from the
# registry, WSL machine policies, Hyper-V firewall availability and the user's .wslconfig bytes.
HOST_FACTS_PS1 = r"""
[CmdletBinding(SupportsShouldProcess)]
param()
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

function Get-RegistryValueMap {
    param([string]$Path)
    $map = @{}
    $key = Get-Item -LiteralPath $Path -ErrorAction SilentlyContinue
    if ($key) {
        foreach ($name in $key.GetValueNames()) {
            $map[$name] = $key.GetValue($name)
        }
    }
    $map
}

$identity = [System.Security.Principal.WindowsIdentity]::GetCurrent()
$principal = New-Object -TypeName System.Security.Principal.WindowsPrincipal -ArgumentList $identity
$nt = Get-RegistryValueMap -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$mpssvc = Get-RegistryValueMap -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\MpsSvc\Parameters'
$tcpip6 = Get-RegistryValueMap -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters'
$userProfile = [Environment]::GetFolderPath('UserProfile')
$configPath = Join-Path -Path $userProfile -ChildPath '.wslconfig'
$config = $null
if (Test-Path -LiteralPath $configPath -PathType Leaf) {
    $config = [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($configPath))
}
$Ansible.Result = @{
    account = $identity.Name
    account_sid = $identity.User.Value
    is_admin = $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)
    windows = @{
        CurrentBuild = [string]$nt['CurrentBuild']
        UBR = $nt['UBR']
        DisplayVersion = [string]$nt['DisplayVersion']
        ProductName = [string]$nt['ProductName']
        EditionID = [string]$nt['EditionID']
    }
    policies = Get-RegistryValueMap -Path 'HKLM:\SOFTWARE\Policies\WSL'
    hyperv_firewall_cmdlets = [bool](Get-Command -Name New-NetFirewallHyperVRule -ErrorAction SilentlyContinue)
    hyperv_firewall_disabled = ($mpssvc['HyperVFirewallDisable'] -eq 1)
    ipv6_disabled_components = $tcpip6['DisabledComponents']
    wslconfig_path = $configPath
    wslconfig_b64 = $config
}
"""

# PortProxy rules from the registry (language independent, reference 4.3), the IP Helper service
# that owns the listeners (4.4), and the state of the re-sync task with its files.
PORTPROXY_READ_PS1 = r"""
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)][string]$TaskName,
    [Parameter(Mandatory)][string]$ScriptName,
    [Parameter(Mandatory)][string]$ConfigName,
    [Parameter(Mandatory)][string]$StatusName
)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
# Program Files is writable by administrators only, so nobody else can edit what the elevated
# task runs.
$directory = Join-Path -Path $env:ProgramFiles -ChildPath 'wslfleet'
$ScriptPath = Join-Path -Path $directory -ChildPath $ScriptName
$ConfigPath = Join-Path -Path $directory -ChildPath $ConfigName

$base = 'HKLM:\SYSTEM\CurrentControlSet\Services\PortProxy'
$rules = @{}
foreach ($family in @('v4tov4', 'v4tov6', 'v6tov4', 'v6tov6')) {
    $values = @{}
    $key = Get-Item -LiteralPath (Join-Path -Path $base -ChildPath "$family\tcp") -ErrorAction SilentlyContinue
    if ($key) {
        foreach ($name in $key.GetValueNames()) {
            $values[$name] = [string]$key.GetValue($name)
        }
    }
    $rules[$family] = $values
}
$service = Get-Service -Name iphlpsvc -ErrorAction SilentlyContinue
$serviceState = $null
if ($service) {
    $serviceState = @{ status = [string]$service.Status; start_type = [string]$service.StartType }
}
$task = Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
$taskState = $null
if ($task) {
    $taskState = @{ user = [string]$task.Principal.UserId; state = [string]$task.State }
}
$script = $null
if (Test-Path -LiteralPath $ScriptPath -PathType Leaf) { $script = [System.IO.File]::ReadAllText($ScriptPath) }
$config = $null
if (Test-Path -LiteralPath $ConfigPath -PathType Leaf) { $config = [System.IO.File]::ReadAllText($ConfigPath) }
$StatusPath = Join-Path -Path $directory -ChildPath $StatusName
$syncStatus = $null
if (Test-Path -LiteralPath $StatusPath -PathType Leaf) { $syncStatus = [System.IO.File]::ReadAllText($StatusPath) }
$Ansible.Result = @{
    sync_status = $syncStatus
    rules = $rules
    iphlpsvc = $serviceState
    task = $taskState
    script = $script
    config = $config
    script_path = $ScriptPath
    config_path = $ConfigPath
}
"""

# Applies portproxy changes with netsh, one argv element per parameter (no command line is ever
# assembled from data), then makes sure the IP Helper service runs. A delete whose rule is already
# gone counts as done: netsh's message for that is localized, the registry is not.
PORTPROXY_APPLY_PS1 = _assemble(r"""
[CmdletBinding()]
param(
    [object[]]$Changes = @(),
    [bool]$EnsureService = $true
)
$ErrorActionPreference = 'Stop'

$principal = New-Object -TypeName System.Security.Principal.WindowsPrincipal -ArgumentList ([System.Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)) { throw 'WSLFLEET_NOT_ELEVATED' }

# <Invoke-Native>
$netsh = Join-Path -Path $env:SystemRoot -ChildPath 'System32\netsh.exe'
$base = 'HKLM:\SYSTEM\CurrentControlSet\Services\PortProxy'
$log = New-Object -TypeName System.Collections.Generic.List[string]
foreach ($change in $Changes) {
    $family = [string]$change.family
    if ($family -notin @('v4tov4', 'v4tov6', 'v6tov4', 'v6tov6')) { throw "unknown portproxy family '$family'" }
    $listen = @("listenport=$($change.listen_port)")
    # '*' is how a rule created without listenaddress shows up; it is deleted the same way.
    if ($change.listen_address -ne '*') { $listen += "listenaddress=$($change.listen_address)" }
    if ($change.op -eq 'delete') {
        $run = Invoke-Native -FilePath $netsh -Arguments (@('interface', 'portproxy', 'delete', $family) + $listen + @('protocol=tcp'))
        $valueName = '{0}/{1}' -f $change.listen_address, $change.listen_port
        $key = Get-Item -LiteralPath (Join-Path -Path $base -ChildPath "$family\tcp") -ErrorAction SilentlyContinue
        if ($run.rc -ne 0 -and $key -and ($key.GetValueNames() -contains $valueName)) {
            throw "netsh interface portproxy delete $family $($listen -join ' ') failed ($($run.rc)): $($run.text)"
        }
    }
    elseif ($change.op -eq 'set') {
        $connect = @("connectport=$($change.connect_port)", "connectaddress=$($change.connect_address)")
        $run = Invoke-Native -FilePath $netsh -Arguments (@('interface', 'portproxy', 'set', $family) + $listen + $connect + @('protocol=tcp'))
        if ($run.rc -ne 0) {
            throw "netsh interface portproxy set $family $($listen -join ' ') failed ($($run.rc)): $($run.text)"
        }
    }
    else { throw "unknown portproxy operation '$($change.op)'" }
    $log.Add("$($change.op) $family $($listen -join ' ')")
}
if ($EnsureService) {
    $service = Get-Service -Name iphlpsvc
    if ($service.StartType -eq 'Disabled') {
        Set-Service -Name iphlpsvc -StartupType Automatic
        $log.Add('iphlpsvc start type set to Automatic')
    }
    if ($service.Status -ne 'Running') {
        Start-Service -Name iphlpsvc
        $log.Add('iphlpsvc started')
    }
}
$Ansible.Result = @{ log = @($log) }
""")

# Installs (or removes) the scheduled task that keeps `connect_address: wsl` rules pointing at the
# guest's current NAT address. It runs as the WSL user (distros are per user), elevated for netsh,
# at logon and then every few minutes; it only acts while the distro already runs.
PORTPROXY_SYNC_INSTALL_PS1 = r"""
[CmdletBinding()]
param(
    [Parameter(Mandatory)][ValidateSet('present', 'absent')][string]$State,
    [Parameter(Mandatory)][string]$TaskName,
    [Parameter(Mandatory)][string]$ScriptName,
    [Parameter(Mandatory)][string]$ConfigName,
    [Parameter(Mandatory)][string]$StatusName,
    [string]$ScriptText,
    [string]$ConfigText,
    [string]$User,
    [int]$IntervalMinutes = 5
)
$ErrorActionPreference = 'Stop'

$principal = New-Object -TypeName System.Security.Principal.WindowsPrincipal -ArgumentList ([System.Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)) { throw 'WSLFLEET_NOT_ELEVATED' }
$directory = Join-Path -Path $env:ProgramFiles -ChildPath 'wslfleet'
$ScriptPath = Join-Path -Path $directory -ChildPath $ScriptName
$ConfigPath = Join-Path -Path $directory -ChildPath $ConfigName
$StatusPath = Join-Path -Path $directory -ChildPath $StatusName

if ($State -eq 'absent') {
    if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) {
        Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
    }
    foreach ($path in @($ScriptPath, $ConfigPath, $StatusPath)) {
        if (Test-Path -LiteralPath $path -PathType Leaf) { Remove-Item -LiteralPath $path -Force }
    }
    return
}

$utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
if (-not (Test-Path -LiteralPath $directory)) { New-Item -Path $directory -ItemType Directory -Force | Out-Null }
[System.IO.File]::WriteAllText($ScriptPath, $ScriptText, $utf8)
[System.IO.File]::WriteAllText($ConfigPath, $ConfigText, $utf8)
# A new script starts without the old one's verdict.
if (Test-Path -LiteralPath $StatusPath -PathType Leaf) { Remove-Item -LiteralPath $StatusPath -Force }
# powershell.exe -WindowStyle Hidden still flashes a console in the user's session
# (PowerShell/PowerShell#3028); conhost --headless gives it none to show.
$conhost = Join-Path -Path $env:SystemRoot -ChildPath 'System32\conhost.exe'
$argument = ('--headless powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden ' +
    '-File "{0}" -ConfigPath "{1}" -StatusPath "{2}"') -f @($ScriptPath, $ConfigPath, $StatusPath)
$action = New-ScheduledTaskAction -Execute $conhost -Argument $argument
$trigger = New-ScheduledTaskTrigger -AtLogOn -User $User
$trigger.Repetition = (New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Minutes $IntervalMinutes)).Repetition
$taskPrincipal = New-ScheduledTaskPrincipal -UserId $User -LogonType Interactive -RunLevel Highest
$settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew `
    -ExecutionTimeLimit (New-TimeSpan -Minutes 5)
$register = @{
    TaskName = $TaskName
    Action = $action
    Trigger = $trigger
    Principal = $taskPrincipal
    Settings = $settings
    Description = 'wslfleet.networking: keeps portproxy rules pointing at the WSL guest address'
    Force = $true
}
Register-ScheduledTask @register | Out-Null
"""

# The re-sync script the scheduled task runs on the host. Its config (JSON, written next to it)
# names the distro and the rules whose connect address is the guest. It never starts WSL: it acts
# only when the distro is already running, so a logon does not boot the VM. Every netsh result is
# checked, and the outcome of each run is written to the status file next to it, which the
# portproxy plugin reads: a re-sync that fails is drift, not silence.
PORTPROXY_SYNC_PS1 = _assemble(r"""
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ConfigPath,
    [Parameter(Mandatory)][string]$StatusPath
)
$ErrorActionPreference = 'Stop'
$status = [ordered]@{ time = [DateTime]::UtcNow.ToString('o'); ok = $true; action = 'none'; address = $null; errors = @() }
function Save-Status {
    $utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
    [System.IO.File]::WriteAllText($StatusPath, ($status | ConvertTo-Json -Compress), $utf8)
}
# <Get-WslExecutable>
# <Invoke-Native>
try {
    $config = Get-Content -LiteralPath $ConfigPath -Raw | ConvertFrom-Json
    $env:WSL_UTF8 = '1'
    $env:WSL_DISABLE_WARNINGS = '1'
    $resolved = Get-WslExecutable
    if (-not $resolved) { throw 'wsl.exe was not found' }
    $wsl = $resolved.path
    $netsh = Join-Path -Path $env:SystemRoot -ChildPath 'System32\netsh.exe'
    $list = Invoke-Native -FilePath $wsl -Arguments @('--list', '--quiet', '--running')
    if ($list.rc -ne 0) { throw "wsl.exe --list --quiet --running failed ($($list.rc)): $($list.text)" }
    $running = @($list.lines | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    if ($running -notcontains $config.distribution) {
        $status.action = 'distribution not running'
    }
    else {
        $probe = Invoke-Native -FilePath $wsl -Arguments @('--distribution', $config.distribution, '--exec', 'hostname', '-I')
        if ($probe.rc -ne 0) { throw "hostname -I in $($config.distribution) failed ($($probe.rc)): $($probe.text)" }
        $address = @(($probe.lines -join ' ') -split '\s+' | Where-Object { $_ -match '^\d{1,3}(\.\d{1,3}){3}$' })[0]
        if (-not $address) { throw "hostname -I in $($config.distribution) gave no IPv4 address: $($probe.text)" }
        $status.address = $address
        $base = 'HKLM:\SYSTEM\CurrentControlSet\Services\PortProxy'
        $errors = New-Object -TypeName System.Collections.Generic.List[string]
        $updated = 0
        foreach ($rule in $config.rules) {
            $key = Get-Item -LiteralPath (Join-Path -Path $base -ChildPath "$($rule.family)\tcp") -ErrorAction SilentlyContinue
            $current = $null
            if ($key) { $current = $key.GetValue(('{0}/{1}' -f $rule.listen_address, $rule.listen_port)) }
            if ($current -eq ('{0}/{1}' -f $address, $rule.connect_port)) { continue }
            # '*' is how a rule without listenaddress is stored; netsh takes no '*' for it.
            $arguments = @('interface', 'portproxy', 'set', [string]$rule.family, "listenport=$($rule.listen_port)")
            if ($rule.listen_address -ne '*') { $arguments += "listenaddress=$($rule.listen_address)" }
            $arguments += @("connectport=$($rule.connect_port)", "connectaddress=$address", 'protocol=tcp')
            $run = Invoke-Native -FilePath $netsh -Arguments $arguments
            if ($run.rc -ne 0) { $errors.Add("netsh $($arguments -join ' ') failed ($($run.rc)): $($run.text)") }
            else { $updated++ }
        }
        $status.action = "$updated rule(s) re-pointed"
        if ($errors.Count) { $status.ok = $false; $status.errors = @($errors) }
    }
}
catch {
    $status.ok = $false
    $status.errors = @([string]$_.Exception.Message)
}
Save-Status
""")

# Hyper-V firewall VM settings for one VM creator, from the persistent (configured) store and the
# active (effective) store. A creator without settings returns $null for the persistent object.
HYPERV_VM_SETTING_READ_PS1 = r"""
[CmdletBinding(SupportsShouldProcess)]
param([Parameter(Mandatory)][string]$Name)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
if (-not (Get-Command -Name Get-NetFirewallHyperVVMSetting -ErrorAction SilentlyContinue)) { throw 'WSLFLEET_NO_HYPERV_FIREWALL' }

function ConvertTo-SettingMap {
    param($Setting)
    if ($null -eq $Setting) { return $null }
    @{
        Name = [string]$Setting.Name
        Enabled = [string]$Setting.Enabled
        DefaultInboundAction = [string]$Setting.DefaultInboundAction
        DefaultOutboundAction = [string]$Setting.DefaultOutboundAction
        LoopbackEnabled = [string]$Setting.LoopbackEnabled
        AllowHostPolicyMerge = [string]$Setting.AllowHostPolicyMerge
    }
}
$persistent = Get-NetFirewallHyperVVMSetting -PolicyStore PersistentStore -Name $Name -ErrorAction SilentlyContinue
$active = Get-NetFirewallHyperVVMSetting -PolicyStore ActiveStore -Name $Name -ErrorAction SilentlyContinue
$Ansible.Result = @{
    persistent = ConvertTo-SettingMap -Setting $persistent
    active = ConvertTo-SettingMap -Setting $active
}
"""

# Writes VM settings: Set- when the creator already has settings, New- otherwise (reference 3.3).
# Only the five documented setting parameters are accepted, whatever Python sends.
HYPERV_VM_SETTING_APPLY_PS1 = r"""
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Name,
    [Parameter(Mandatory)][bool]$Exists,
    [Parameter(Mandatory)]$Settings
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Command -Name Set-NetFirewallHyperVVMSetting -ErrorAction SilentlyContinue)) { throw 'WSLFLEET_NO_HYPERV_FIREWALL' }
$principal = New-Object -TypeName System.Security.Principal.WindowsPrincipal -ArgumentList ([System.Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)) { throw 'WSLFLEET_NOT_ELEVATED' }

$allowed = @('Enabled', 'DefaultInboundAction', 'DefaultOutboundAction', 'LoopbackEnabled', 'AllowHostPolicyMerge')
$splat = @{}
foreach ($key in @($Settings.Keys)) {
    if ($allowed -notcontains $key) { throw "unsupported Hyper-V VM setting '$key'" }
    $splat[$key] = [string]$Settings[$key]
}
if ($Exists) {
    Set-NetFirewallHyperVVMSetting -Name $Name @splat
}
else {
    New-NetFirewallHyperVVMSetting -Name $Name @splat | Out-Null
}
"""

# Hyper-V firewall rules whose Name (the locale-independent ID) starts with the managed prefix.
HYPERV_RULE_READ_PS1 = r"""
[CmdletBinding(SupportsShouldProcess)]
param([Parameter(Mandatory)][string]$Prefix)
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
if (-not (Get-Command -Name Get-NetFirewallHyperVRule -ErrorAction SilentlyContinue)) { throw 'WSLFLEET_NO_HYPERV_FIREWALL' }

$rules = foreach ($rule in @(Get-NetFirewallHyperVRule -PolicyStore PersistentStore)) {
    if (-not ([string]$rule.Name).StartsWith($Prefix, [System.StringComparison]::OrdinalIgnoreCase)) { continue }
    @{
        Name = [string]$rule.Name
        DisplayName = [string]$rule.DisplayName
        Direction = [string]$rule.Direction
        Action = [string]$rule.Action
        Enabled = [string]$rule.Enabled
        Protocol = [string]$rule.Protocol
        LocalPorts = @($rule.LocalPorts | ForEach-Object { [string]$_ })
        RemotePorts = @($rule.RemotePorts | ForEach-Object { [string]$_ })
        LocalAddresses = @($rule.LocalAddresses | ForEach-Object { [string]$_ })
        RemoteAddresses = @($rule.RemoteAddresses | ForEach-Object { [string]$_ })
        VMCreatorId = [string]$rule.VMCreatorId
        EnforcementStatus = [string]$rule.EnforcementStatus
    }
}
$Ansible.Result = @{ rules = @($rules) }
"""

# Creates, updates and removes Hyper-V firewall rules. Removal always names the rule: the
# parameterless Remove-NetFirewallHyperVRule deletes every Hyper-V rule on the machine.
HYPERV_RULE_APPLY_PS1 = r"""
[CmdletBinding()]
param([object[]]$Changes = @())
$ErrorActionPreference = 'Stop'
if (-not (Get-Command -Name New-NetFirewallHyperVRule -ErrorAction SilentlyContinue)) { throw 'WSLFLEET_NO_HYPERV_FIREWALL' }
$principal = New-Object -TypeName System.Security.Principal.WindowsPrincipal -ArgumentList ([System.Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)) { throw 'WSLFLEET_NOT_ELEVATED' }

$allowed = @('DisplayName', 'Direction', 'Action', 'Enabled', 'Protocol', 'LocalPorts', 'RemotePorts', 'LocalAddresses', 'RemoteAddresses', 'VMCreatorId')
foreach ($change in $Changes) {
    $name = [string]$change.name
    if ([string]::IsNullOrWhiteSpace($name)) { throw 'refusing a Hyper-V firewall rule change without a rule name' }
    if ($change.op -eq 'remove') {
        Remove-NetFirewallHyperVRule -Name $name
        continue
    }
    $splat = @{}
    foreach ($key in @($change.properties.Keys)) {
        if ($allowed -notcontains $key) { throw "unsupported Hyper-V rule property '$key'" }
        $value = $change.properties[$key]
        if ($key -in @('LocalPorts', 'RemotePorts', 'LocalAddresses', 'RemoteAddresses')) { $splat[$key] = [string[]]@($value) }
        else { $splat[$key] = [string]$value }
    }
    if ($change.op -eq 'new') {
        New-NetFirewallHyperVRule -Name $name @splat | Out-Null
    }
    elseif ($change.op -eq 'set') {
        if ($splat.ContainsKey('DisplayName')) {
            $splat['NewDisplayName'] = $splat['DisplayName']
            $splat.Remove('DisplayName')
        }
        Set-NetFirewallHyperVRule -Name $name @splat
    }
    else { throw "unknown Hyper-V rule operation '$($change.op)'" }
}
"""


# The profile directory WSL uses for a user is the ProfileImagePath of the user's SID.
PROFILE_PATH_PS1 = r"""
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [string]
    $User
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$sid = $null
$profilePath = $null
$problem = $null
try {
    $account = New-Object -TypeName System.Security.Principal.NTAccount -ArgumentList $User
    $sid = $account.Translate([System.Security.Principal.SecurityIdentifier]).Value
}
catch {
    $problem = "no Windows account named '$User' was found: $($_.Exception.Message)"
}
if ($sid) {
    $key = "HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\$sid"
    if (Test-Path -LiteralPath $key) {
        $raw = (Get-ItemProperty -LiteralPath $key -Name ProfileImagePath).ProfileImagePath
        $profilePath = [System.Environment]::ExpandEnvironmentVariables($raw)
    }
    else {
        $problem = "the account '$User' ($sid) has no profile on this computer (it never logged on)"
    }
}
$Ansible.Result = @{
    sid = $sid
    profile = $profilePath
    problem = $problem
}
"""
