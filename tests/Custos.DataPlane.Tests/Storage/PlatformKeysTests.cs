using Custos.DataPlane.Storage;

namespace Custos.DataPlane.Tests.Storage;

public sealed class PlatformKeysTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "custos-keys-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void LoadOrCreate_OnFirstRun_WritesBothKeysPrivatelyUnderKeys()
    {
        var options = StorageOptions.ForDataPath(_dir);

        using var keys = PlatformKeys.LoadOrCreate(options);

        options.KeyEncryptionKeyPath.ShouldBe(Path.Combine(_dir, "keys", "storage-kek.key"));
        options.SigningKeyPath.ShouldBe(Path.Combine(_dir, "keys", "platform-signing.pem"));
        new FileInfo(options.KeyEncryptionKeyPath).Length.ShouldBe(32);
        File.ReadAllText(options.SigningKeyPath).ShouldStartWith("-----BEGIN PRIVATE KEY-----");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(options.KeyEncryptionKeyPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(options.SigningKeyPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Directory.GetFiles(Path.Combine(_dir, "keys"), "*.tmp").ShouldBeEmpty();
    }

    [Fact]
    public void LoadOrCreate_OnTheNextRun_LoadsTheSameKeys()
    {
        var options = StorageOptions.ForDataPath(_dir);
        using var first = PlatformKeys.LoadOrCreate(options);
        var kek = File.ReadAllBytes(options.KeyEncryptionKeyPath);

        using var second = PlatformKeys.LoadOrCreate(options);

        second.KeyEncryptionKeyId.ShouldBe(first.KeyEncryptionKeyId);
        second.SigningKeyId.ShouldBe(first.SigningKeyId);
        second.SigningPublicKey.ShouldBe(first.SigningPublicKey);
        File.ReadAllBytes(options.KeyEncryptionKeyPath).ShouldBe(kek);
    }

    [Fact]
    public void LoadOrCreate_WithConfiguredPaths_UsesThem()
    {
        var options = StorageOptions.ForDataPath(_dir);
        options.KeyEncryptionKeyPath = Path.Combine(_dir, "elsewhere", "kek.bin");
        options.SigningKeyPath = Path.Combine(_dir, "elsewhere", "sign.pem");

        using var keys = PlatformKeys.LoadOrCreate(options);

        File.Exists(options.KeyEncryptionKeyPath).ShouldBeTrue();
        File.Exists(options.SigningKeyPath).ShouldBeTrue();
        Directory.Exists(Path.Combine(_dir, "keys")).ShouldBeFalse();
    }

    [Fact]
    public void LoadOrCreate_WithATruncatedKey_Refuses()
    {
        var options = StorageOptions.ForDataPath(_dir);
        Directory.CreateDirectory(Path.GetDirectoryName(options.KeyEncryptionKeyPath)!);
        File.WriteAllBytes(options.KeyEncryptionKeyPath, new byte[16]);

        Should.Throw<InvalidOperationException>(() => PlatformKeys.LoadOrCreate(options));
    }

    [Theory]
    [InlineData(8, false)]
    [InlineData(16, true)]
    [InlineData(64, true)]
    [InlineData(65, false)]
    public void Validate_AcceptsPackTargetsFrom16To64MiB(int mib, bool valid)
    {
        var options = StorageOptions.ForDataPath(_dir);
        options.PackTargetBytes = mib * StorageOptions.MiB;

        if (valid)
        {
            options.Validate();
        }
        else
        {
            Should.Throw<InvalidOperationException>(options.Validate);
        }
    }
}
