using Custos.DataPlane.Backup;
using Custos.DataPlane.Connectors.Imap;
using Custos.Domain.Backup;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.DataPlane;

public static class DataPlaneRegistration
{
    /// The IMAP connector (one per-host connection cap per process), the mailbox sync, and the
    /// encryption of mailbox passwords (needs the host's data protection).
    /// Backup runs need the storage (AddCustosStorage) and the control plane's ISourceStateReports.
    public static IServiceCollection AddDataPlane(this IServiceCollection services, ImapOptions imap, BackupRunOptions? backups = null)
    {
        services.AddSingleton(backups ?? new BackupRunOptions());
        services.AddScoped<BackupRunner>();
        services.AddSingleton(imap);
        services.AddSingleton<ImapHostGate>();
        services.AddSingleton<ImapConnector>();
        services.AddSingleton<IImapProbe, ImapProbe>();
        services.AddSingleton<MailboxSync>();
        services.AddSingleton<ISecretProtector, DataProtectionSecrets>();
        return services;
    }
}
