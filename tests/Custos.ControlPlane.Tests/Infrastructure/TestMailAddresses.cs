using Custos.ControlPlane.Mail;

namespace Custos.ControlPlane.Tests.Infrastructure;

/// Where links in mail point during these tests (the host derives it from its configuration).
public sealed class TestMailAddresses : IMailAddresses
{
    public Uri PublicBase { get; } = new("https://custos.test/");

    public string MessageIdDomain => "custos.test";
}
