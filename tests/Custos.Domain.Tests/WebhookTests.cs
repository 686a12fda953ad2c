using Custos.Domain.Audit;
using Custos.Domain.Webhooks;

namespace Custos.Domain.Tests;

public sealed class WebhookTests
{
    // The published Standard Webhooks test vector (github.com/standard-webhooks/standard-webhooks).
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long VectorTimestamp = 1614265330;
    private const string VectorBody = "{\"test\": 2432232314}";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static readonly DateTimeOffset VectorTime = DateTimeOffset.FromUnixTimeSeconds(VectorTimestamp);

    [Fact]
    public void Sign_MatchesTheStandardWebhooksTestVector() =>
        WebhookSignature.Sign(VectorSecret, VectorId, VectorTimestamp, VectorBody).ShouldBe(VectorSignature);

    [Fact]
    public void NewSecret_IsWhsecWith32RandomBytes()
    {
        var a = WebhookSignature.NewSecret();
        var b = WebhookSignature.NewSecret();
        a.ShouldStartWith("whsec_");
        WebhookSignature.KeyOf(a)!.Length.ShouldBe(32);
        a.ShouldNotBe(b);
    }

    [Theory]
    [InlineData("whsec_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true)] // 24 bytes
    [InlineData("whsec_AAAA", false)] // 3 bytes
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", false)] // no prefix
    [InlineData("whsec_not base64!", false)]
    public void KeyOf_AcceptsOnly24To64BytesOfBase64AfterThePrefix(string secret, bool valid) =>
        (WebhookSignature.KeyOf(secret) is not null).ShouldBe(valid);

    [Fact]
    public void Verify_AcceptsTheVectorWithinFiveMinutes_AndAnyOfSeveralSignatures()
    {
        WebhookSignature.Verify([VectorSecret], VectorId, "1614265330", VectorSignature, VectorBody, VectorTime.AddMinutes(4)).ShouldSucceed();
        WebhookSignature.Verify([VectorSecret], VectorId, "1614265330", "v1,bm90IGl0 " + VectorSignature, VectorBody, VectorTime).ShouldSucceed();
        WebhookSignature.Verify(["whsec_" + Convert.ToBase64String(new byte[32]), VectorSecret], VectorId, "1614265330", VectorSignature, VectorBody, VectorTime)
            .ShouldSucceed();
    }

    [Theory]
    [InlineData(null, "1614265330", VectorSignature, 0, typeof(SignatureHeaderMissing))]
    [InlineData(VectorId, "", VectorSignature, 0, typeof(SignatureHeaderMissing))]
    [InlineData(VectorId, "1614265330", " ", 0, typeof(SignatureHeaderMissing))]
    [InlineData(VectorId, "yesterday", VectorSignature, 0, typeof(SignatureTimestampInvalid))]
    [InlineData(VectorId, "-5", VectorSignature, 0, typeof(SignatureTimestampInvalid))]
    [InlineData(VectorId, "99999999999999999999", VectorSignature, 0, typeof(SignatureTimestampInvalid))]
    [InlineData(VectorId, "1614265330", VectorSignature, 6, typeof(SignatureTooOld))]
    [InlineData(VectorId, "1614265330", VectorSignature, -6, typeof(SignatureFromTheFuture))]
    [InlineData(VectorId, "1614265331", VectorSignature, 0, typeof(SignatureMismatch))]
    [InlineData("msg_other", "1614265330", VectorSignature, 0, typeof(SignatureMismatch))]
    [InlineData(VectorId, "1614265330", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", 0, typeof(SignatureMismatch))]
    [InlineData(VectorId, "1614265330", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", 0, typeof(SignatureMismatch))]
    public void Verify_NamesWhatIsWrong(string? id, string? timestamp, string? signature, int minutesLater, Type expected) =>
        WebhookSignature.Verify([VectorSecret], id, timestamp, signature, VectorBody, VectorTime.AddMinutes(minutesLater))
            .Error.ShouldBeOfType(expected);

    [Fact]
    public void Verify_ATamperedBody_IsAMismatch() =>
        WebhookSignature.Verify([VectorSecret], VectorId, "1614265330", VectorSignature, "{\"test\": 2432232315}", VectorTime)
            .Error.ShouldBeOfType<SignatureMismatch>();

    [Theory]
    [InlineData("https://hooks.example.com/custos", false, true)]
    [InlineData("  https://hooks.example.com/custos?tenant=7  ", false, true)]
    [InlineData("http://hooks.example.com/custos", true, false)]
    [InlineData("http://127.0.0.1:5000/hook", false, false)]
    [InlineData("http://127.0.0.1:5000/hook", true, true)]
    [InlineData("http://localhost/hook", true, true)]
    [InlineData("https://user:secret@hooks.example.com/", false, false)]
    [InlineData("https://user@hooks.example.com/", false, false)]
    [InlineData("/relative/hook", false, false)]
    [InlineData("ftp://hooks.example.com/", false, false)]
    [InlineData("javascript:alert(1)", false, false)]
    [InlineData("https://hooks.example.com/#frag", false, false)]
    [InlineData("https://hooks example.com/", false, false)]
    [InlineData("", false, false)]
    [InlineData(null, false, false)]
    public void Url_IsAbsoluteHttpsWithoutCredentials_HttpOnlyToLoopbackWhenAllowed(string? url, bool allowLoopback, bool valid)
    {
        var parsed = WebhookUrl.Parse(url, new WebhookAddressPolicy(allowLoopback, AllowPrivateNetworks: false));
        (parsed.Error is null).ShouldBe(valid, parsed.Error?.Message);
        if (!valid)
        {
            parsed.Error!.Field.ShouldBe("url");
        }
    }

    [Fact]
    public void Url_LongerThanTheLimit_IsRefused() =>
        WebhookUrl.Parse("https://example.com/" + new string('a', WebhookEndpoint.MaxUrlLength), WebhookAddressPolicy.PublicOnly).Error.ShouldNotBeNull().Field.ShouldBe("url");

    [Theory]
    [InlineData(AuditEventType.OrganizationSuspended, null, WebhookEvents.OrganizationSuspended)]
    [InlineData(AuditEventType.OrganizationSeatsChanged, null, WebhookEvents.OrganizationUpdated)]
    [InlineData(AuditEventType.OrganizationDownloadLimitChanged, null, WebhookEvents.OrganizationUpdated)]
    [InlineData(AuditEventType.OrganizationFeatureTurnedOn, null, WebhookEvents.OrganizationUpdated)]
    [InlineData(AuditEventType.CredentialSourceStatusChanged, "{\"source\":\"x\",\"status\":\"Error\"}", WebhookEvents.CredentialError)]
    [InlineData(AuditEventType.CredentialSourceStatusChanged, "{\"source\":\"x\",\"status\":\"Healthy\"}", null)]
    [InlineData(AuditEventType.CredentialSourceConnected, "{\"source\":\"x\",\"status\":\"Error\"}", WebhookEvents.CredentialError)]
    [InlineData(AuditEventType.CredentialSourceConnected, "{\"source\":\"x\",\"status\":\"NeverRun\"}", null)]
    [InlineData(AuditEventType.BackupSourceInError, "{\"source\":\"x\",\"status\":\"Error\",\"mailbox\":\"a@b.test\"}", WebhookEvents.CredentialError)]
    [InlineData(AuditEventType.BackupSourceInError, "{}", null)]
    [InlineData(AuditEventType.BackupSourceCleared, null, null)]
    [InlineData(AuditEventType.CsvExportReady, null, WebhookEvents.ExportReady)]
    [InlineData(AuditEventType.CsvExportFailed, null, null)]
    [InlineData(AuditEventType.OrganizationTransferredIn, null, WebhookEvents.TransferExecuted)]
    [InlineData(AuditEventType.TransferRejected, null, null)]
    [InlineData(AuditEventType.WebhookTestSent, null, null)]
    public void Events_MapAuditEntriesToWebhookTypes(AuditEventType type, string? after, string? expected) =>
        WebhookEvents.Of(type, after).ShouldBe(expected);

    [Fact]
    public void Retry_DefaultIsEightAttemptsOverAboutADay()
    {
        var retry = WebhookRetry.Default;
        retry.MaxAttempts.ShouldBe(8);
        retry.DelayAfter(1).ShouldBe(TimeSpan.FromSeconds(5));
        retry.DelayAfter(7).ShouldBe(TimeSpan.FromHours(10));
        retry.DelayAfter(8).ShouldBeNull();
    }

    [Fact]
    public void Delivery_RetriesOnScheduleThenIsGivenUp()
    {
        var retry = new WebhookRetry([TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5)]);
        var message = WebhookMessage.Create(WebhookEvents.OrganizationSuspended, "{}", null, Given.Start);
        var delivery = WebhookDelivery.Create(message, Guid.NewGuid(), Guid.NewGuid(), Given.Start);

        delivery.BeginAttempt(Given.Start, retry).ShouldSucceed();
        delivery.RecordFailure(Given.Start, 500, "500", retry).ShouldBeFalse();
        delivery.NextAttemptAt.ShouldBe(Given.Start.AddSeconds(5));
        delivery.BeginAttempt(Given.Start.AddSeconds(4), retry).Error.ShouldBeOfType<WebhookDeliveryNotDue>();

        delivery.BeginAttempt(Given.Start.AddSeconds(5), retry).ShouldSucceed();
        delivery.RecordFailure(Given.Start.AddSeconds(5), null, "timeout", retry).ShouldBeFalse();
        delivery.BeginAttempt(Given.Start.AddMinutes(6), retry).ShouldSucceed();
        delivery.RecordFailure(Given.Start.AddMinutes(6), 502, "502", retry).ShouldBeTrue();

        delivery.Status.ShouldBe(WebhookDeliveryStatus.Failed);
        delivery.Attempts.ShouldBe(3);
        delivery.BeginAttempt(Given.Start.AddDays(1), retry).Error.ShouldNotBeNull();

        delivery.Redeliver(Given.Start.AddDays(1));
        delivery.Status.ShouldBe(WebhookDeliveryStatus.Pending);
        delivery.BeginAttempt(Given.Start.AddDays(1), retry).ShouldSucceed();
    }

    [Fact]
    public void Endpoint_IsDisabledAfterTheConfiguredFailedMessagesInARow_AndASuccessResetsTheCount()
    {
        var rule = new WebhookAutoDisable(3, TimeSpan.FromDays(5));
        var endpoint = NewEndpoint();

        endpoint.RecordFailedAttempt(Given.Start, "500", messageGivenUp: true, rule).ShouldBeFalse();
        endpoint.RecordFailedAttempt(Given.Start, "500", messageGivenUp: true, rule).ShouldBeFalse();
        endpoint.RecordSuccess(Given.Start, "200");
        endpoint.RecordFailedAttempt(Given.Start, "500", messageGivenUp: true, rule).ShouldBeFalse();
        endpoint.RecordFailedAttempt(Given.Start, "500", messageGivenUp: false, rule).ShouldBeFalse();
        endpoint.RecordFailedAttempt(Given.Start, "500", messageGivenUp: true, rule).ShouldBeFalse();
        endpoint.Enabled.ShouldBeTrue();

        endpoint.RecordFailedAttempt(Given.Start, "500", messageGivenUp: true, rule).ShouldBeTrue();
        endpoint.Enabled.ShouldBeFalse();
        endpoint.IsAutoDisabled.ShouldBeTrue();

        endpoint.Enable().ShouldBeTrue();
        endpoint.ConsecutiveFailedMessages.ShouldBe(0);
        endpoint.FailingSince.ShouldBeNull();
    }

    [Fact]
    public void Endpoint_FailingContinuouslyForThePeriod_IsDisabled()
    {
        var rule = new WebhookAutoDisable(100, TimeSpan.FromDays(5));
        var endpoint = NewEndpoint();

        endpoint.RecordFailedAttempt(Given.Start, "timeout", messageGivenUp: false, rule).ShouldBeFalse();
        endpoint.RecordFailedAttempt(Given.Start.AddDays(4.9), "timeout", messageGivenUp: false, rule).ShouldBeFalse();
        endpoint.RecordFailedAttempt(Given.Start.AddDays(5), "timeout", messageGivenUp: false, rule).ShouldBeTrue();
        endpoint.DisabledReason.ShouldBe(WebhookDisabledReason.Failing);
    }

    [Fact]
    public void Endpoint_SignsWithThePreviousSecretForADayAfterARotation()
    {
        var endpoint = NewEndpoint();
        endpoint.RotateSecret("new", Given.Start);

        endpoint.ProtectedSigningSecrets(Given.Start.AddHours(23)).ShouldBe(["new", "old"]);
        endpoint.ProtectedSigningSecrets(Given.Start.AddHours(24)).ShouldBe(["new"]);
    }

    [Fact]
    public void Endpoint_SubscribedToEveryTypeStoresNull_SoTypesAddedLaterAreIncluded()
    {
        NewEndpoint(WebhookEvents.All).EventTypes.ShouldBeNull();
        NewEndpoint([]).EventTypes.ShouldBeNull();
        var some = NewEndpoint([WebhookEvents.TransferExecuted, WebhookEvents.OrganizationCreated]);
        some.EventTypes.ShouldBe("organization.created,transfer.executed");
        WebhookEvents.Wants(some.EventTypes, WebhookEvents.OrganizationCreated).ShouldBeTrue();
        WebhookEvents.Wants(some.EventTypes, WebhookEvents.OrganizationDeleted).ShouldBeFalse();
        WebhookEvents.Wants(some.EventTypes, WebhookEvents.Test).ShouldBeTrue();
    }

    private static WebhookEndpoint NewEndpoint(IReadOnlyList<string>? types = null) =>
        WebhookEndpoint.Create(Guid.NewGuid(), WebhookUrl.Parse("https://example.com/hook", WebhookAddressPolicy.PublicOnly).Value!, "", types, "old", "Ann", Given.Start);
}
