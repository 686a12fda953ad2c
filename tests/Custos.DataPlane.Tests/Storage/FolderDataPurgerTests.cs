using Custos.DataPlane.Storage;

namespace Custos.DataPlane.Tests.Storage;

public sealed class FolderDataPurgerTests : IDisposable
{
    private readonly BlobRoot _root = new(Path.Combine(Path.GetTempPath(), "custos-dataplane-tests", Guid.NewGuid().ToString("N")));
    private readonly FolderDataPurger _purger;

    public FolderDataPurgerTests()
    {
        Directory.CreateDirectory(_root.Path);
        _purger = new FolderDataPurger(_root);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root.Path))
        {
            Directory.Delete(_root.Path, recursive: true);
        }
    }

    [Fact]
    public async Task Purge_WhenFolderHasNestedFiles_DeletesTheWholeFolder()
    {
        var org = Guid.NewGuid();
        var folder = Fill(org);

        await _purger.PurgeAsync(org, CancellationToken.None);

        Directory.Exists(folder).ShouldBeFalse();
        Directory.Exists(_root.Path).ShouldBeTrue();
    }

    [Fact]
    public async Task Purge_OfOneOrganization_LeavesOtherOrganizationsUntouched()
    {
        var purged = Guid.NewGuid();
        var kept = Guid.NewGuid();
        Fill(purged);
        var keptFolder = Fill(kept);
        var before = Snapshot(keptFolder);

        await _purger.PurgeAsync(purged, CancellationToken.None);

        Directory.Exists(_root.FolderOf(purged)).ShouldBeFalse();
        Snapshot(keptFolder).ShouldBe(before);
    }

    [Fact]
    public async Task Purge_WhenAlreadyPurged_Succeeds()
    {
        var org = Guid.NewGuid();
        Fill(org);
        await _purger.PurgeAsync(org, CancellationToken.None);

        await _purger.PurgeAsync(org, CancellationToken.None);

        Directory.Exists(_root.FolderOf(org)).ShouldBeFalse();
    }

    [Fact]
    public async Task Purge_WhenFolderNeverExisted_Succeeds()
    {
        var org = Guid.NewGuid();

        await _purger.PurgeAsync(org, CancellationToken.None);

        Directory.Exists(_root.FolderOf(org)).ShouldBeFalse();
    }

    [Fact]
    public void FolderOf_IsTheOrganizationIdWithoutDashesUnderTheRoot()
    {
        var org = Guid.Parse("0193a6a4-7d6e-7c3b-9f2a-1b2c3d4e5f60");

        _root.FolderOf(org).ShouldBe(Path.Combine(_root.Path, "0193a6a47d6e7c3b9f2a1b2c3d4e5f60"));
    }

    /// An organization folder as the backup writes it: packs in subfolders, an index at the top.
    private string Fill(Guid organizationId)
    {
        var folder = _root.FolderOf(organizationId);
        Directory.CreateDirectory(Path.Combine(folder, "packs", "00"));
        Directory.CreateDirectory(Path.Combine(folder, "packs", "01"));
        File.WriteAllText(Path.Combine(folder, "index"), "index of " + organizationId);
        File.WriteAllBytes(Path.Combine(folder, "packs", "00", "a.pack"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(folder, "packs", "01", "b.pack"), [4, 5, 6]);
        return folder;
    }

    private static List<string> Snapshot(string folder) =>
        [.. Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(folder, f) + ":" + Convert.ToHexString(File.ReadAllBytes(f)))];
}
