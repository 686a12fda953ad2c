using Custos.DataPlane.Restore;
using Custos.Domain.Organizations;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.DataPlane.Storage;

public static class StorageRegistration
{
    /// Backup storage: platform keys (created on first use), the local pack store, the message
    /// store, the restore queries and downloads, and the purger that destroys an organization's data.
    public static IServiceCollection AddCustosStorage(this IServiceCollection services, StorageOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(_ => PlatformKeys.LoadOrCreate(options));
        services.AddSingleton<IBlobStore>(new LocalBlobStore(options));
        services.AddSingleton<OrganizationKeys>();
        services.AddScoped<MessageStore>();
        services.AddScoped<BackupBrowser>();
        services.AddScoped<BackupDownloads>();
        services.AddSingleton<StoragePurger>();
        services.AddSingleton<IOrganizationDataPurger>(sp => sp.GetRequiredService<StoragePurger>());
        return services;
    }
}
