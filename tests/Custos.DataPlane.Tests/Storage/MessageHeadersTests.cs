using System.Security.Cryptography;
using Custos.Data.Storage;
using Custos.DataPlane.Storage;

namespace Custos.DataPlane.Tests.Storage;

public sealed class MessageHeadersTests
{
    private static DataKeyMaterial NewKey() => new(Guid.NewGuid(), Guid.NewGuid(), RandomNumberGenerator.GetBytes(32));

    [Theory]
    [InlineData("Quarterly report", "Ann Example <ann@example.test>")]
    [InlineData("", "")]
    [InlineData("Ünïcödé 🎉 \"quotes\"", "=?broken?= <x@y>")]
    public void Open_AfterSeal_GivesBackTheSameHeaders(string subject, string from)
    {
        using var key = NewKey();
        var row = Guid.NewGuid();
        var headers = MessageHeaders.Of(subject, from);

        var opened = MessageHeaders.Open(key, row, headers.Seal(key, row));

        opened.ShouldBe(headers);
    }

    [Fact]
    public void Seal_DoesNotContainTheTextInClear()
    {
        using var key = NewKey();
        var sealedHeaders = MessageHeaders.Of("Merger with Initech", "ceo@example.test").Seal(key, Guid.NewGuid());

        System.Text.Encoding.UTF8.GetString(sealedHeaders).ShouldNotContain("Initech");
    }

    [Fact]
    public void Open_UnderAnotherRowOrKey_Fails()
    {
        using var key = NewKey();
        using var other = NewKey();
        var row = Guid.NewGuid();
        var sealedHeaders = MessageHeaders.Of("s", "f").Seal(key, row);

        Should.Throw<CryptographicException>(() => MessageHeaders.Open(key, Guid.NewGuid(), sealedHeaders));
        Should.Throw<CryptographicException>(() => MessageHeaders.Open(other, row, sealedHeaders));
    }

    [Fact]
    public void Of_CutsLongHeadersToTheIndexLimit()
    {
        MessageHeaders.Of(new string('s', 5000), "  f  ").ShouldBe(new MessageHeaders(new string('s', BackedUpMessage.MaxHeaderLength), "f"));
    }
}
