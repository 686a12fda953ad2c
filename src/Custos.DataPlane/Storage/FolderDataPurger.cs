using Custos.Domain.Organizations;

namespace Custos.DataPlane.Storage;

/// Purges by deleting the organization's folder under the blob root (`data/blobs/{organization id}`).
/// Idempotent: a folder already gone is a purge already done.
public sealed class FolderDataPurger(BlobRoot root) : IOrganizationDataPurger
{
    public Task PurgeAsync(Guid organizationId, CancellationToken ct)
    {
        var folder = root.FolderOf(organizationId);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return Task.CompletedTask;
    }
}

/// Where organizations' backup data lives on disk.
public sealed record BlobRoot(string Path)
{
    public string FolderOf(Guid organizationId) => System.IO.Path.Combine(Path, organizationId.ToString("N"));
}
