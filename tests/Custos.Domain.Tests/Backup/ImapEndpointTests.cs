using Custos.Domain.Backup;

namespace Custos.Domain.Tests.Backup;

public sealed class ImapEndpointTests
{
    private static readonly ImapEndpoint Valid = new("imap.example.com", 993, ImapSecurity.SslOnConnect, "owner@example.com", "app-password");

    [Fact]
    public void AValidEndpoint_HasNoErrors() => Valid.Validate().ShouldBeEmpty();

    public static TheoryData<ImapEndpoint, string> Invalid => new()
    {
        { Valid with { Host = "" }, nameof(ImapEndpoint.Host) },
        { Valid with { Host = "imap://imap.example.com" }, nameof(ImapEndpoint.Host) },
        { Valid with { Host = "imap.example.com:993" }, nameof(ImapEndpoint.Host) },
        { Valid with { Host = new string('a', 300) }, nameof(ImapEndpoint.Host) },
        { Valid with { Port = 0 }, nameof(ImapEndpoint.Port) },
        { Valid with { Port = 70000 }, nameof(ImapEndpoint.Port) },
        { Valid with { Security = (ImapSecurity)42 }, nameof(ImapEndpoint.Security) },
        { Valid with { UserName = " " }, nameof(ImapEndpoint.UserName) },
        { Valid with { UserName = "owner\u0001@example.com" }, nameof(ImapEndpoint.UserName) },
        { Valid with { Password = "" }, nameof(ImapEndpoint.Password) },
        { Valid with { Password = "line\r\nbreak" }, nameof(ImapEndpoint.Password) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void AnInvalidField_GetsAMessageNamingIt(ImapEndpoint endpoint, string field)
    {
        var errors = endpoint.Validate();
        errors.Count.ShouldBe(1);
        errors[0].Field.ShouldBe(field);
        errors[0].Message.ShouldNotBeNullOrWhiteSpace();
    }
}
