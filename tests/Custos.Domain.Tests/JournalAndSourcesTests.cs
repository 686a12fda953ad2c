using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Domain.Tests;

public class JournalAndSourcesTests
{
    [Theory]
    [InlineData(PlanType.Personal, false)]
    [InlineData(PlanType.Backup, false)]
    [InlineData(PlanType.Archiver, true)]
    public void Create_ForEachPlanType_OnlyArchiverGetsAJournalAddress(PlanType type, bool gets)
    {
        var journal = new CountingJournal();
        var now = Given.Start;

        var org = Organization.Create(Given.NewOrganization(type), Given.Partner(now), Given.Plan(type, now), now, journal).ShouldSucceed();

        org.JournalAddress.ShouldBe(gets ? "j-1@journal.test" : null);
        journal.Drawn.ShouldBe(gets ? 1 : 0);
    }

    [Theory]
    [InlineData(PlanType.Backup, PlanType.Archiver, "j-1@journal.test")]
    [InlineData(PlanType.Backup, PlanType.Backup, null)]
    [InlineData(PlanType.Personal, PlanType.Archiver, null)]
    public void ChangePlan_UpgradeToArchiver_AssignsAJournalAddressOnlyWhenTheChangeIsAllowed(PlanType from, PlanType to, string? expected)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, from);
        var journal = new CountingJournal();

        org.ChangePlan(Given.Plan(to, clock.GetUtcNow(), "Another plan"), clock.GetUtcNow(), journal);

        org.JournalAddress.ShouldBe(expected);
    }

    [Fact]
    public void ChangePlan_ArchiverToAnotherArchiverPlan_KeepsTheAddress()
    {
        var clock = Given.Clock();
        var journal = new CountingJournal();
        var now = clock.GetUtcNow();
        var org = Organization.Create(Given.NewOrganization(PlanType.Archiver), Given.Partner(now), Given.Plan(PlanType.Archiver, now), now, journal).ShouldSucceed();

        org.ChangePlan(Given.Plan(PlanType.Archiver, now, "Archiver Plus"), now, journal).ShouldSucceed();

        org.JournalAddress.ShouldBe("j-1@journal.test");
        journal.Drawn.ShouldBe(1);
    }

    [Theory]
    [InlineData(PlanType.Personal)]
    [InlineData(PlanType.Backup)]
    public void RegenerateJournalAddress_NotArchiver_RefusedAndNothingChanges(PlanType type)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, type);
        var before = OrganizationSnapshot.Of(org);

        var result = org.RegenerateJournalAddress(new CountingJournal(), clock.GetUtcNow());

        result.Error.ShouldBeOfType<JournalingArchiverOnly>().Message.ShouldBe("Journaling is only for Archiver organizations.");
        OrganizationSnapshot.Of(org).ShouldBe(before);
        org.JournalAddress.ShouldBeNull();
    }

    [Fact]
    public void RegenerateJournalAddress_Archiver_ReplacesTheAddressAndBumpsTheVersion()
    {
        var journal = new CountingJournal();
        var now = Given.Start;
        var org = Organization.Create(Given.NewOrganization(PlanType.Archiver), Given.Partner(now), Given.Plan(PlanType.Archiver, now), now, journal).ShouldSucceed();
        var version = org.Version;

        var result = org.RegenerateJournalAddress(journal, now);

        result.ShouldSucceed().ShouldBe("j-2@journal.test");
        org.JournalAddress.ShouldBe("j-2@journal.test");
        org.Version.ShouldBe(version + 1);
    }

    [Fact]
    public void RegenerateJournalAddress_ArchiverWithoutOne_AssignsItsFirst()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, PlanType.Archiver); // created without a generator

        org.RegenerateJournalAddress(new CountingJournal(), clock.GetUtcNow()).ShouldSucceed();

        org.JournalAddress.ShouldBe("j-1@journal.test");
    }

    [Fact]
    public void RegenerateJournalAddress_DeletedArchiver_Refused()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, PlanType.Archiver, OrganizationStatus.Deleted);

        org.RegenerateJournalAddress(new CountingJournal(), clock.GetUtcNow()).Error.ShouldBeOfType<AlreadyDeleted>();

        org.JournalAddress.ShouldBeNull();
    }

    public static TheoryData<string, bool, bool> SourceSets => new()
    {
        { "", false, false },
        { "Imap:Healthy", false, false },
        { "Imap:Warning Imap:NeverRun", false, false },
        { "Imap:Error", true, false },
        { "Imap:Healthy Microsoft365:Error", true, false },
        { "Microsoft365:Healthy+admin", false, true },
        { "Microsoft365:Error+admin GoogleWorkspace:Healthy", true, true },
        { "Microsoft365:Healthy Imap:Healthy", false, false },
    };

    [Theory]
    [MemberData(nameof(SourceSets))]
    public void ReflectCredentialSources_ForEachSet_FlagsFollowTheSources(string sources, bool credentialError, bool adminCredentials)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        org.SetCredentialError(!credentialError); // start from the opposite, so the test sees a change
        org.SetMicrosoft365AdminCredentials(!adminCredentials);
        var list = sources.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select((s, i) => Source(org, s, i, clock.GetUtcNow())).ToList();

        org.ReflectCredentialSources(list);

        org.CredentialError.ShouldBe(credentialError);
        org.HasMicrosoft365AdminCredentials.ShouldBe(adminCredentials);
    }

    [Fact]
    public void ReflectCredentialSources_AfterTheErrorIsFixed_ClearsNeedAuthentication()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var now = clock.GetUtcNow();
        var source = CredentialSource.Connect(org, SourceKind.Imap, "IMAP.Example.com ", new SourceState(3, BackupStatus.Error, null, "Re-enter the IMAP password"), now).ShouldSucceed();
        org.ReflectCredentialSources([source]);
        org.CredentialError.ShouldBeTrue();
        source.Label.ShouldBe("imap.example.com");

        source.Record(new SourceState(3, BackupStatus.Healthy, now, null), now).ShouldSucceed().ShouldBeTrue();
        org.ReflectCredentialSources([source]);

        org.CredentialError.ShouldBeFalse();
        source.ActionNeeded.ShouldBeNull();
    }

    [Fact]
    public void ReflectCredentialSources_SourceOfAnotherOrganization_Throws()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var other = Given.Organization(clock);
        var foreign = Source(other, "Imap:Error", 0, clock.GetUtcNow());

        Should.Throw<ArgumentException>(() => org.ReflectCredentialSources([foreign]));
        org.CredentialError.ShouldBeFalse();
    }

    public static TheoryData<SourceKind, SourceState, string> BadStates => new()
    {
        { SourceKind.Imap, new SourceState(1, BackupStatus.Error, null, null), "actionNeeded" },
        { SourceKind.Imap, new SourceState(1, BackupStatus.Error, null, "   "), "actionNeeded" },
        { SourceKind.Imap, new SourceState(-1, BackupStatus.Healthy, null, null), "accounts" },
        { SourceKind.Imap, new SourceState(1, BackupStatus.Healthy, null, null, HasAdminCredentials: true), "hasAdminCredentials" },
        { SourceKind.GoogleWorkspace, new SourceState(1, BackupStatus.Healthy, null, null, HasAdminCredentials: true), "hasAdminCredentials" },
        { SourceKind.Imap, new SourceState(1, (BackupStatus)42, null, null), "status" },
        { SourceKind.Imap, new SourceState(1, BackupStatus.Error, null, new string('x', 501)), "actionNeeded" },
    };

    [Theory]
    [MemberData(nameof(BadStates))]
    public void Connect_WithABadState_RefusedOnTheField(SourceKind kind, SourceState state, string field)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        var result = CredentialSource.Connect(org, kind, "example.com", state, clock.GetUtcNow());

        result.Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe(field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("two words.example")]
    [InlineData("bell\u0007.example")]
    public void Connect_WithABadLabel_Refused(string label)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);

        CredentialSource.Connect(org, SourceKind.Imap, label, new SourceState(0, BackupStatus.NeverRun, null, null), clock.GetUtcNow())
            .Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("label");
    }

    [Fact]
    public void Record_SameStatusAgain_ReportsNoChangeButKeepsTheLatestFacts()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var now = clock.GetUtcNow();
        var source = CredentialSource.Connect(org, SourceKind.Imap, "imap.example.com", new SourceState(1, BackupStatus.Healthy, now, null), now).ShouldSucceed();

        var later = now.AddHours(8);
        source.Record(new SourceState(7, BackupStatus.Healthy, later, null), later).ShouldSucceed().ShouldBeFalse();

        source.Accounts.ShouldBe(7);
        source.LastBackupAt.ShouldBe(later);
    }

    [Fact]
    public void IssueApiToken_DeletedOrganization_RefusedAndNoTokenKept()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var account = LoginAccount.ForOwner(org, clock.GetUtcNow());
        org.Delete(clock.GetUtcNow()).ShouldSucceed();

        var result = account.IssueApiToken(org, new string('a', 64), "abcd", clock.GetUtcNow());

        result.Error.ShouldBeOfType<AlreadyDeleted>();
        account.ApiTokenHash.ShouldBeNull();
        account.MaskedApiToken.ShouldBeNull();
    }

    [Fact]
    public void OwnerAccount_FollowsTheOwnersNewEmail()
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock);
        var account = LoginAccount.ForOwner(org, clock.GetUtcNow());
        org.UpdatePersonalInfo(Given.Info() with { Email = " New.Owner@Example.com " }, clock.GetUtcNow()).ShouldSucceed();

        account.FollowOwner(org);

        account.Email.ShouldBe("New.Owner@Example.com");
        account.EmailNormalized.ShouldBe("new.owner@example.com");
        account.IssueApiToken(org, new string('b', 64), "wxyz", clock.GetUtcNow()).ShouldSucceed();
        account.MaskedApiToken.ShouldBe("cst_••••wxyz");
    }

    private static CredentialSource Source(Organization org, string spec, int i, DateTimeOffset now)
    {
        var (kindStatus, admin) = spec.EndsWith("+admin", StringComparison.Ordinal) ? (spec[..^6], true) : (spec, false);
        var parts = kindStatus.Split(':');
        var status = Enum.Parse<BackupStatus>(parts[1]);
        var state = new SourceState(1, status, now, status == BackupStatus.Error ? "Grant admin consent again" : null, admin);
        return CredentialSource.Connect(org, Enum.Parse<SourceKind>(parts[0]), $"source{i}.example.com", state, now).ShouldSucceed();
    }

    private sealed class CountingJournal : IJournalAddressGenerator
    {
        public int Drawn { get; private set; }

        public string NewAddress() => $"j-{++Drawn}@journal.test";
    }
}
