using System.Text;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Tests;

/// Credential sources, login accounts (API tokens) and journal addresses.
public abstract partial class OrganizationUseCaseTests
{
    private const string JournalPattern = "^j-[a-z2-7]{26}@journal\\.custos\\.localhost$";

    // ---- login accounts --------------------------------------------------------------------------

    [Fact]
    public async Task Create_Organization_CreatesTheOwnersLoginAccountWithoutAToken()
    {
        var tag = NewTag();
        var id = (await CreateAsync(Seed.Partner, Seed.Backup, NewOrg(Seed.Backup, Info(tag, email: $" Owner.{tag}@Example.com")))).ShouldSucceed().Id;

        var account = (await AccountsOfAsync(id)).ShouldHaveSingleItem();

        account.IsOwner.ShouldBeTrue();
        account.Email.ShouldBe($"Owner.{tag}@Example.com");
        account.EmailNormalized.ShouldBe($"owner.{tag}@example.com");
        account.ApiTokenHash.ShouldBeNull();
        account.CreatedAt.ShouldBe(Clock.GetUtcNow());
        var rows = await UseAsync<ListLoginAccounts, Result<LoginAccountRow[]>>(u => u.HandleAsync(Acting, id, default));
        rows.ShouldSucceed().ShouldHaveSingleItem().MaskedApiToken.ShouldBeNull();
    }

    [Fact]
    public async Task UpdatePersonalInfo_NewOwnerEmail_TheOwnersLoginAccountFollows()
    {
        var id = await CreateOrgAsync();
        var tag = NewTag();

        (await UseAsync<UpdatePersonalInfo, Result>(u => u.HandleAsync(Command(id), Info(tag, email: $"new.{tag}@example.com"), default))).ShouldSucceed();

        var account = (await AccountsOfAsync(id)).ShouldHaveSingleItem();
        account.Email.ShouldBe($"new.{tag}@example.com");
        account.IsOwner.ShouldBeTrue();
    }

    [Fact]
    public async Task RegenerateApiToken_StoresOnlyItsHashAndAuditsTheActor()
    {
        var id = await CreateOrgAsync(Seed.SubPartner);
        var account = (await AccountsOfAsync(id)).Single();

        var issued = (await RegenerateTokenAsync(Command(id), account.Id)).ShouldSucceed();

        issued.Token.ShouldMatch("^cst_[A-Za-z0-9_-]{43}$");
        issued.Masked.ShouldBe("cst_••••" + issued.Token[^4..]);
        var stored = (await AccountsOfAsync(id)).Single();
        stored.ApiTokenHash.ShouldBe(ApiTokens.Hash(issued.Token));
        stored.ApiTokenHash.ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(issued.Token))));
        stored.ApiTokenHint.ShouldBe(issued.Token[^4..]);
        stored.ApiTokenCreatedAt.ShouldBe(Clock.GetUtcNow());
        (await DatabaseContainsAsync(stored.ApiTokenHash!)).ShouldBeTrue("the search must be able to find what is stored");
        (await DatabaseContainsAsync(issued.Token)).ShouldBeFalse("the token itself must not be stored anywhere");
        (await DatabaseContainsAsync(issued.Token[4..24])).ShouldBeFalse();

        var audit = (await AuditOfAsync(id)).Last();
        audit.EventType.ShouldBe(AuditEventType.ApiTokenRegenerated);
        audit.ActorId.ShouldBe(Ann.Id);
        audit.ActorName.ShouldBe(Ann.Name);
        audit.PartnerId.ShouldBe(Seed.SubPartner.Id);
        audit.After.ShouldNotBeNull().ShouldContain(issued.Token[^4..]);

        // Again: a new token replaces the old one.
        var again = (await RegenerateTokenAsync(Command(id), account.Id)).ShouldSucceed();
        again.Token.ShouldNotBe(issued.Token);
        (await AccountsOfAsync(id)).Single().ApiTokenHash.ShouldBe(ApiTokens.Hash(again.Token));
        (await DatabaseContainsAsync(again.Token)).ShouldBeFalse();
    }

    [Fact]
    public async Task RegenerateApiToken_DeletedOrganization_RefusedAndNothingChanged()
    {
        var id = await CreateOrgAsync();
        var account = (await AccountsOfAsync(id)).Single();
        (await DeleteAsync(Command(id))).ShouldSucceed();
        var rows = await CountRowsAsync();

        var result = await RegenerateTokenAsync(Command(id), account.Id);

        result.Error.ShouldBeOfType<AlreadyDeleted>();
        (await AccountsOfAsync(id)).Single().ApiTokenHash.ShouldBeNull();
        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task RegenerateApiToken_ForeignOrganizationOrAccount_NotFoundAndNothingChanged()
    {
        var foreign = await CreateOrgAsync(Seed.Foreign);
        var foreignAccount = (await AccountsOfAsync(foreign)).Single();
        var own = await CreateOrgAsync();
        var rows = await CountRowsAsync();

        var outside = await RegenerateTokenAsync(Command(foreign), foreignAccount.Id);
        var mixed = await RegenerateTokenAsync(Command(own), foreignAccount.Id); // own organization, another's account

        outside.Error.ShouldBeOfType<NotFound>();
        mixed.Error.ShouldBeOfType<NotFound>();
        (await AccountsOfAsync(foreign)).Single().ApiTokenHash.ShouldBeNull();
        (await CountRowsAsync()).ShouldBe(rows);
        (await UseAsync<ListLoginAccounts, Result<LoginAccountRow[]>>(u => u.HandleAsync(Acting, foreign, default))).Error.ShouldBeOfType<NotFound>();
    }

    // ---- journaling --------------------------------------------------------------------------------

    [Fact]
    public async Task Create_Archiver_GetsAUniqueJournalAddressAndOtherPlansNone()
    {
        var a = await CreateOrgAsync(plan: Seed.Archiver);
        var b = await CreateOrgAsync(plan: Seed.Archiver);
        var backup = await CreateOrgAsync(plan: Seed.Backup);

        var first = (await LoadAsync(a)).JournalAddress.ShouldNotBeNull();
        var second = (await LoadAsync(b)).JournalAddress.ShouldNotBeNull();
        first.ShouldMatch(JournalPattern);
        second.ShouldMatch(JournalPattern);
        first.ShouldNotBe(second);
        (await LoadAsync(backup)).JournalAddress.ShouldBeNull();

        // The database refuses a second organization with the same address.
        await Should.ThrowAsync<Exception>(() => ReadAsync(db =>
            db.Organizations.Where(o => o.Id == b).ExecuteUpdateAsync(s => s.SetProperty(o => o.JournalAddress, first))));
    }

    [Fact]
    public async Task ChangePlan_BackupToArchiver_AssignsAJournalAddress()
    {
        var id = await CreateOrgAsync(plan: Seed.Backup);

        (await ChangePlanAsync(Command(id), Seed.Archiver)).ShouldSucceed();

        (await LoadAsync(id)).JournalAddress.ShouldNotBeNull().ShouldMatch(JournalPattern);
        (await UseAsync<GetJournal, Result<JournalDetails>>(u => u.HandleAsync(Acting, id, default))).ShouldSucceed().Address.ShouldNotBeNull();
    }

    [Fact]
    public async Task RegenerateJournalAddress_Archiver_ReplacesItAndAuditsOldAndNew()
    {
        var id = await CreateOrgAsync(Seed.SubPartner, Seed.Archiver);
        var old = (await LoadAsync(id)).JournalAddress!;

        var result = await RegenerateJournalAsync(Command(id));

        var address = result.ShouldSucceed();
        address.ShouldMatch(JournalPattern);
        address.ShouldNotBe(old);
        (await LoadAsync(id)).JournalAddress.ShouldBe(address);
        var audit = (await AuditOfAsync(id)).Last();
        audit.EventType.ShouldBe(AuditEventType.JournalAddressRegenerated);
        audit.ActorId.ShouldBe(Ann.Id);
        audit.Before.ShouldNotBeNull().ShouldContain(old);
        audit.After.ShouldNotBeNull().ShouldContain(address);
    }

    [Fact]
    public async Task RegenerateJournalAddress_ArchiverWithoutOne_AssignsIt()
    {
        var id = await CreateOrgAsync(plan: Seed.Archiver);
        await ReadAsync(db => db.Organizations.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.JournalAddress, (string?)null)));
        (await UseAsync<GetJournal, Result<JournalDetails>>(u => u.HandleAsync(Acting, id, default))).ShouldSucceed().Address.ShouldBeNull();

        var address = (await RegenerateJournalAsync(Command(id))).ShouldSucceed();

        (await LoadAsync(id)).JournalAddress.ShouldBe(address);
        (await AuditOfAsync(id)).Last().EventType.ShouldBe(AuditEventType.JournalAddressAssigned);
    }

    [Theory]
    [InlineData("Backup")]
    [InlineData("Personal")]
    public async Task RegenerateJournalAddress_NotArchiver_RefusedAndNothingChanged(string plan)
    {
        var id = await CreateOrgAsync(plan: plan == "Backup" ? Seed.Backup : Seed.Personal);
        var before = await LoadAsync(id);
        var rows = await CountRowsAsync();

        var result = await RegenerateJournalAsync(Command(id));

        result.Error.ShouldBeOfType<JournalingArchiverOnly>().Message.ShouldBe("Journaling is only for Archiver organizations.");
        var after = await LoadAsync(id);
        after.JournalAddress.ShouldBeNull();
        after.Version.ShouldBe(before.Version);
        (await CountRowsAsync()).ShouldBe(rows);
        (await UseAsync<GetJournal, Result<JournalDetails>>(u => u.HandleAsync(Acting, id, default))).Error.ShouldBeOfType<JournalingArchiverOnly>();
    }

    [Fact]
    public async Task RegenerateJournalAddress_ForeignOrganization_NotFoundAndNothingChanged()
    {
        var id = await CreateOrgAsync(Seed.Foreign, Seed.Archiver);
        var before = (await LoadAsync(id)).JournalAddress;
        var rows = await CountRowsAsync();

        var result = await RegenerateJournalAsync(Command(id));

        result.Error.ShouldBeOfType<NotFound>();
        (await LoadAsync(id)).JournalAddress.ShouldBe(before);
        (await CountRowsAsync()).ShouldBe(rows);
        (await UseAsync<GetJournal, Result<JournalDetails>>(u => u.HandleAsync(Acting, id, default))).Error.ShouldBeOfType<NotFound>();
    }

    // ---- credential sources ------------------------------------------------------------------------

    [Fact]
    public async Task RecordSourceState_ErrorThenFixed_NeedAuthenticationFollowsTheSources()
    {
        var tag = NewTag();
        var id = await CreateOrgAsync(Seed.SubPartner, tag: tag);
        var now = Clock.GetUtcNow();

        (await RecordAsync(id, SourceKind.Imap, "imap.example.com", new SourceState(4, BackupStatus.Healthy, now, null))).ShouldSucceed();
        (await RecordAsync(id, SourceKind.Microsoft365, "Example.com", new SourceState(9, BackupStatus.Error, now, "Grant admin consent again"))).ShouldSucceed();

        (await LoadAsync(id)).CredentialError.ShouldBeTrue();
        (await NeedAuthenticationAsync(tag)).ShouldBe([id]);
        var sources = (await UseAsync<ListCredentialSources, Result<CredentialSourceRow[]>>(u => u.HandleAsync(Acting, id, default))).ShouldSucceed();
        sources.Select(s => (s.Kind, s.Label, s.Status)).ShouldBe(
            [(SourceKind.Microsoft365, "example.com", BackupStatus.Error), (SourceKind.Imap, "imap.example.com", BackupStatus.Healthy)]);
        sources[0].ActionNeeded.ShouldBe("Grant admin consent again");
        sources[0].Accounts.ShouldBe(9);

        // The same source (matched by kind and label, any case) recovers.
        (await RecordAsync(id, SourceKind.Microsoft365, "EXAMPLE.COM", new SourceState(9, BackupStatus.Healthy, now, null))).ShouldSucceed();

        (await LoadAsync(id)).CredentialError.ShouldBeFalse();
        (await NeedAuthenticationAsync(tag)).ShouldBeEmpty();
        (await ReadAsync(db => db.CredentialSources.CountAsync(c => c.OrganizationId == id))).ShouldBe(2);
    }

    [Fact]
    public async Task RecordSourceState_AuditsNewSourcesAndStatusChangesButNotRoutineRuns()
    {
        var id = await CreateOrgAsync();
        var now = Clock.GetUtcNow();
        var audit = (await AuditOfAsync(id)).Count;

        (await RecordAsync(id, SourceKind.Imap, "imap.example.com", new SourceState(1, BackupStatus.NeverRun, null, null))).ShouldSucceed();
        (await RecordAsync(id, SourceKind.Imap, "imap.example.com", new SourceState(2, BackupStatus.Healthy, now, null))).ShouldSucceed();
        (await RecordAsync(id, SourceKind.Imap, "imap.example.com", new SourceState(3, BackupStatus.Healthy, now.AddHours(8), null))).ShouldSucceed();

        var entries = (await AuditOfAsync(id)).Skip(audit).ToList();
        entries.Select(e => e.EventType).ShouldBe([AuditEventType.CredentialSourceConnected, AuditEventType.CredentialSourceStatusChanged]);
        entries.ShouldAllBe(e => e.ActorId == Ann.Id);
        entries[1].Before.ShouldNotBeNull().ShouldContain("NeverRun");
        entries[1].After.ShouldNotBeNull().ShouldContain("Healthy");
        var source = await ReadAsync(db => db.CredentialSources.AsNoTracking().SingleAsync(c => c.OrganizationId == id));
        source.Accounts.ShouldBe(3);
        source.LastBackupAt.ShouldBe(now.AddHours(8));
    }

    [Fact]
    public async Task RecordSourceState_Microsoft365AdminCredentials_FollowTheSource()
    {
        var id = await CreateOrgAsync();
        var now = Clock.GetUtcNow();

        (await RecordAsync(id, SourceKind.Microsoft365, "m365.example.com", new SourceState(5, BackupStatus.Healthy, now, null, HasAdminCredentials: true))).ShouldSucceed();
        (await LoadAsync(id)).HasMicrosoft365AdminCredentials.ShouldBeTrue();

        (await RecordAsync(id, SourceKind.Microsoft365, "m365.example.com", new SourceState(5, BackupStatus.Healthy, now, null))).ShouldSucceed();
        (await LoadAsync(id)).HasMicrosoft365AdminCredentials.ShouldBeFalse();
    }

    [Fact]
    public async Task RecordSourceState_BadStateOrForeignOrganization_RefusedAndNothingChanged()
    {
        var foreign = await CreateOrgAsync(Seed.Foreign);
        var own = await CreateOrgAsync();
        var rows = await CountRowsAsync();

        var outside = await RecordAsync(foreign, SourceKind.Imap, "imap.example.com", new SourceState(1, BackupStatus.Error, null, "Re-enter the IMAP password"));
        var bad = await RecordAsync(own, SourceKind.Imap, "imap.example.com", new SourceState(1, BackupStatus.Error, null, null));

        outside.Error.ShouldBeOfType<NotFound>();
        bad.Error.ShouldBeOfType<ValidationFailed>();
        (await LoadAsync(foreign)).CredentialError.ShouldBeFalse();
        (await LoadAsync(own)).CredentialError.ShouldBeFalse();
        (await ReadAsync(db => db.CredentialSources.CountAsync(c => c.OrganizationId == foreign || c.OrganizationId == own))).ShouldBe(0);
        (await CountRowsAsync()).ShouldBe(rows);
        (await UseAsync<ListCredentialSources, Result<CredentialSourceRow[]>>(u => u.HandleAsync(Acting, foreign, default))).Error.ShouldBeOfType<NotFound>();
    }

    [Fact]
    public void JournalAddresses_AreBase32Of16RandomBytesOnTheConfiguredDomain()
    {
        var generator = new RandomJournalAddresses("Journal.Example.COM");
        var addresses = Enumerable.Range(0, 200).Select(_ => generator.NewAddress()).ToList();

        addresses.ShouldAllBe(a => System.Text.RegularExpressions.Regex.IsMatch(a, "^j-[a-z2-7]{26}@journal\\.example\\.com$"));
        addresses.Distinct().Count().ShouldBe(200);
        RandomJournalAddresses.Base32(new byte[16]).ShouldBe(new string('a', 26));
        RandomJournalAddresses.Base32([0xff, 0xff]).ShouldBe("777q");
        Should.Throw<ArgumentException>(() => new RandomJournalAddresses("bad domain@x"));
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private Task<List<LoginAccount>> AccountsOfAsync(Guid organizationId) =>
        ReadAsync(db => db.LoginAccounts.AsNoTracking().Where(a => a.OrganizationId == organizationId).ToListAsync());

    private Task<Result<IssuedApiToken>> RegenerateTokenAsync(OrganizationCommand command, Guid accountId) =>
        UseAsync<RegenerateApiToken, Result<IssuedApiToken>>(u => u.HandleAsync(command, accountId, default));

    private Task<Result<string>> RegenerateJournalAsync(OrganizationCommand command) =>
        UseAsync<RegenerateJournalAddress, Result<string>>(u => u.HandleAsync(command, default));

    private Task<Result<Guid>> RecordAsync(Guid id, SourceKind kind, string label, SourceState state) =>
        UseAsync<RecordSourceState, Result<Guid>>(u => u.HandleAsync(new RecordSourceStateRequest(Acting, Ann, id, kind, label, state), default));

    private async Task<List<Guid>> NeedAuthenticationAsync(string tag)
    {
        var list = await UseAsync<ListOrganizations, Result<OrganizationList>>(u => u.HandleAsync(
            new ListOrganizationsRequest(Acting, Search: tag, Credential: CredentialFilter.NeedAuthentication), default));
        return [.. list.ShouldSucceed().Rows.Select(r => r.Id)];
    }

    /// Whether <paramref name="text"/> is stored anywhere in the database: every row of every table on
    /// PostgreSQL, the database files themselves on SQLite.
    private async Task<bool> DatabaseContainsAsync(string text)
    {
        if (fixture.Engine == "PostgreSQL")
        {
            var tables = await ReadAsync(db => db.Database.SqlQueryRaw<string>(
                "SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'").ToListAsync());
            foreach (var table in tables)
            {
                var sql = "SELECT count(*)::int AS \"Value\" FROM \"" + table.Replace("\"", "\"\"", StringComparison.Ordinal)
                    + "\" t WHERE strpos(t::text, {0}) > 0";
                var hits = await ReadAsync(db => db.Database.SqlQueryRaw<int>(sql, text).SingleAsync());
                if (hits > 0)
                {
                    return true;
                }
            }

            return false;
        }

        var needle = Encoding.UTF8.GetBytes(text);
        foreach (var file in Directory.GetFiles(fixture.WorkDir, "custos.db*"))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            if (memory.GetBuffer().AsSpan(0, (int)memory.Length).IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
