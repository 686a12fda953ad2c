using Custos.Domain.Backup;
using Microsoft.AspNetCore.DataProtection;

namespace Custos.DataPlane;

/// Mailbox passwords encrypted with the host's data-protection key ring (kept under the data
/// folder's keys/), so a copy of the database alone does not reveal them.
public sealed class DataProtectionSecrets(IDataProtectionProvider provider) : ISecretProtector
{
    private readonly IDataProtector _protector = provider.CreateProtector("Custos.MailboxPassword.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
