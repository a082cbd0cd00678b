# Prints how a Hyper-V virtual machine is, for vm_heartbeat.cmd: "up" (running, and its
# heartbeat integration service answers), "down" (running, heartbeat lost or not yet there)
# or "off" (not running, or no such VM on this node).
param([Parameter(Mandatory = $true)][string]$VMName)

$vm = Get-VM -Name $VMName -ErrorAction SilentlyContinue
if ($null -eq $vm -or $vm.State -ne 'Running') {
    'off'
    exit 0
}
# Heartbeat: OkApplicationsHealthy, OkApplicationsUnknown, NoContact, LostCommunication, Error, ...
if ($vm.Heartbeat.ToString() -like 'Ok*') { 'up' } else { 'down' }
