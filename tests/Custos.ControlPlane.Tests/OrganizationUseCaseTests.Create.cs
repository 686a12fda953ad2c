using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests;

public abstract partial class OrganizationUseCaseTests
{
    [Fact]
    public async Task Create_ValidBackupForSubPartner_SavesOrganizationHistoryAndAudit()
    {
        var tag = NewTag();
        var now = Clock.GetUtcNow();
        var input = NewOrg(Seed.Backup, Info(tag, email: $"  Owner.{tag}@Example.com ", name: $"  Acme   {tag} "));

        var created = await CreateAsync(Seed.SubPartner, Seed.Backup, input, scope: Acting);

        var id = created.ShouldSucceed().Id;
        var org = await LoadAsync(id);
        org.Status.ShouldBe(OrganizationStatus.Active);
        org.PartnerId.ShouldBe(Seed.SubPartner.Id);
        org.PlanId.ShouldBe(Seed.Backup.Id);
        org.PlanType.ShouldBe(PlanType.Backup);
        org.Seats.ShouldBe(DefaultSeats);
        org.AutoLicense.ShouldBeFalse();
        org.OwnerEmail.ShouldBe($"Owner.{tag}@Example.com");
        org.OwnerEmailNormalized.ShouldBe($"owner.{tag}@example.com");
        org.Name.ShouldBe($"Acme   {tag}");
        org.NameNormalized.ShouldBe($"acme {tag}");
        org.Country.ShouldBe("DE");
        org.CreatedAt.ShouldBe(now);
        org.PublicId.ShouldMatch("^ORG-[0-9A-HJKMNP-TV-Z]{8}$");
        org.PurgeDueAt.ShouldBeNull();

        var history = (await HistoryOfAsync(id)).ShouldHaveSingleItem();
        history.Day.ShouldBe(DayOf(now));
        history.Status.ShouldBe(OrganizationStatus.Active);
        history.PlanId.ShouldBe(Seed.Backup.Id);
        history.Seats.ShouldBe(DefaultSeats);
        history.AutoLicense.ShouldBeFalse();

        var audit = (await AuditOfAsync(id)).ShouldHaveSingleItem();
        audit.EventType.ShouldBe(AuditEventType.OrganizationCreated);
        audit.ActorId.ShouldBe(Ann.Id);
        audit.ActorName.ShouldBe(Ann.Name);
        audit.PartnerId.ShouldBe(Seed.SubPartner.Id);
        audit.At.ShouldBe(now);
        audit.Before.ShouldBeNull();
        audit.After.ShouldNotBeNull().ShouldContain("\"status\":\"Active\"");
    }

    [Fact]
    public async Task Create_PersonalAndAutoLicense_NameFromOwnerAndNoSeats()
    {
        var tag = NewTag();
        var personal = await CreateAsync(Seed.Partner, Seed.Personal,
            NewOrg(Seed.Personal, new PersonalInfo("Jane", $"Doe{tag}", $"jane.{tag}@example.com", "de", "ignored")));
        var archiver = await CreateAsync(Seed.Partner, Seed.Archiver,
            NewOrg(Seed.Archiver, Info(tag), autoLicense: true));

        var p = await LoadAsync(personal.ShouldSucceed().Id);
        p.Name.ShouldBe($"Jane Doe{tag}");
        p.Seats.ShouldBeNull();
        p.Country.ShouldBe("DE");
        var a = await LoadAsync(archiver.ShouldSucceed().Id);
        a.AutoLicense.ShouldBeTrue();
        a.Seats.ShouldBeNull();
        a.PlanType.ShouldBe(PlanType.Archiver);
    }

    [Theory]
    [InlineData("owner.{0}@example.com")]
    [InlineData("  OWNER.{0}@EXAMPLE.COM  ")]
    [InlineData("\tOwner.{0}@Example.Com\n")]
    public async Task Create_EmailOfAnotherPartnersOrganization_EmailTakenAndNothingSaved(string duplicate)
    {
        var tag = NewTag();
        (await CreateAsync(Seed.Foreign, Seed.Backup, NewOrg(Seed.Backup, Info(tag)))).ShouldSucceed();
        var before = await CountRowsAsync();

        var again = await CreateAsync(Seed.Partner, Seed.Backup,
            NewOrg(Seed.Backup, Info(NewTag(), email: string.Format(System.Globalization.CultureInfo.InvariantCulture, duplicate, tag))));

        again.Error.ShouldBeOfType<EmailTaken>().Field.ShouldBe("email");
        (await CountRowsAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("Acme Corp {0}")]
    [InlineData("  acme   CORP {0} ")]
    [InlineData("ACME\u3000Corp {0}")]
    public async Task Create_NameOfAnotherLiveOrganization_NameTakenAndNothingSaved(string duplicate)
    {
        var tag = NewTag();
        (await CreateAsync(Seed.Foreign, Seed.Archiver, NewOrg(Seed.Archiver, Info(tag, name: $"Acme Corp {tag}")))).ShouldSucceed();
        var before = await CountRowsAsync();

        var name = string.Format(System.Globalization.CultureInfo.InvariantCulture, duplicate, tag.ToUpperInvariant());
        var again = await CreateAsync(Seed.Partner, Seed.Backup, NewOrg(Seed.Backup, Info(NewTag(), name: name)));

        again.Error.ShouldBeOfType<NameTaken>().Field.ShouldBe("organizationName");
        (await CountRowsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Create_PersonalWithSameDerivedName_Allowed()
    {
        var tag = NewTag();
        var owner = new PersonalInfo("Jane", $"Doe{tag}", null, "DE", null);

        var first = await CreateAsync(Seed.Partner, Seed.Personal, NewOrg(Seed.Personal, owner with { Email = $"a.{tag}@example.com" }));
        var second = await CreateAsync(Seed.Foreign, Seed.Personal, NewOrg(Seed.Personal, owner with { Email = $"b.{tag}@example.com" }));
        // A Personal name is never compared, not even with a typed name of a Backup organization.
        var typed = await CreateAsync(Seed.Partner, Seed.Backup, NewOrg(Seed.Backup, Info(tag, name: $"jane doe{tag}")));

        (await LoadAsync(first.ShouldSucceed().Id)).Name.ShouldBe($"Jane Doe{tag}");
        (await LoadAsync(second.ShouldSucceed().Id)).Name.ShouldBe($"Jane Doe{tag}");
        typed.ShouldSucceed();
    }

    [Fact]
    public async Task Create_AfterFirstOrganizationDeleted_EmailAndNameFreeAgain()
    {
        var tag = NewTag();
        var first = await CreateAsync(Seed.Partner, Seed.Backup, NewOrg(Seed.Backup, Info(tag, name: $"Reused {tag}")));
        var firstId = first.ShouldSucceed().Id;
        (await CreateAsync(Seed.Partner, Seed.Backup, NewOrg(Seed.Backup, Info(NewTag(), email: $"owner.{tag}@example.com"))))
            .Error.ShouldBeOfType<EmailTaken>();

        (await DeleteAsync(Command(firstId))).ShouldSucceed().ShouldBe(DeleteOutcome.Deleted);
        var second = await CreateAsync(Seed.SubPartner, Seed.Backup,
            NewOrg(Seed.Backup, Info(NewTag(), email: $"OWNER.{tag}@example.com", name: $"reused {tag}")), scope: Acting);

        second.ShouldSucceed();
        (await LoadAsync(firstId)).Status.ShouldBe(OrganizationStatus.Deleted);
        var live = await ReadAsync(db => db.Organizations
            .CountAsync(o => o.OwnerEmailNormalized == $"owner.{tag}@example.com" && o.Status != OrganizationStatus.Deleted));
        live.ShouldBe(1);
    }

    [Fact]
    public async Task Create_TwoInParallelWithOneEmail_ExactlyOneSucceeds()
    {
        for (var round = 0; round < 10; round++)
        {
            var tag = NewTag();
            var email = $"race.{tag}@example.com";
            var results = await RaceAsync(fixture.Services, 2, i =>
                new CreateOrganizationRequest(Acting, Ann, Seed.Partner.Id, Seed.Backup.Id,
                    NewOrg(Seed.Backup, Info($"{tag}-{i}", email: i == 0 ? email : email.ToUpperInvariant()))));

            AssertOneWinner<EmailTaken>(results);
            (await LiveWithEmailAsync(email)).ShouldBe(1);
        }
    }

    [Fact]
    public async Task Create_RaceBothPastPreCheck_UniqueIndexAnswersEmailTaken()
    {
        var rendezvous = new SaveRendezvous();
        await using var services = fixture.BuildServices(o => o.AddInterceptors(rendezvous));
        for (var round = 0; round < 3; round++)
        {
            var tag = NewTag();
            var email = $"index.{tag}@example.com";
            rendezvous.Arm(2);
            var results = await RaceAsync(services, 2, i =>
                new CreateOrganizationRequest(Acting, Ann, Seed.Partner.Id, Seed.Backup.Id,
                    NewOrg(Seed.Backup, Info($"{tag}-{i}", email: email))));

            AssertOneWinner<EmailTaken>(results);
            (await LiveWithEmailAsync(email)).ShouldBe(1);
        }
    }

    [Fact]
    public async Task Create_RaceBothPastPreCheck_UniqueIndexAnswersNameTaken()
    {
        var rendezvous = new SaveRendezvous();
        await using var services = fixture.BuildServices(o => o.AddInterceptors(rendezvous));
        var tag = NewTag();
        rendezvous.Arm(2);
        var results = await RaceAsync(services, 2, i =>
            new CreateOrganizationRequest(Acting, Ann, Seed.Partner.Id, Seed.Archiver.Id,
                NewOrg(Seed.Archiver, Info($"{tag}-{i}", name: i == 0 ? $"Race {tag}" : $" RACE  {tag}"))));

        AssertOneWinner<NameTaken>(results);
        var live = await ReadAsync(db => db.Organizations.CountAsync(o => o.NameNormalized == $"race {tag}"));
        live.ShouldBe(1);
    }

    [Fact]
    public async Task UniqueIndexes_DirectInsertsBypassingPreCheck_DbErrorsNamesTheIndex()
    {
        var tag = NewTag();
        await InsertAsync(Info(tag, email: $"direct.{tag}@example.com", name: $"Direct {tag}"), Seed.Backup);

        var email = await Should.ThrowAsync<DbUpdateException>(() =>
            InsertAsync(Info(NewTag(), email: $" DIRECT.{tag}@example.com", name: $"Other {tag}"), Seed.Backup));
        DbErrors.UniqueIndexViolated(email).ShouldBe(AppDbContext.EmailUniqueIndex);

        var name = await Should.ThrowAsync<DbUpdateException>(() =>
            InsertAsync(Info(NewTag(), name: $"  DIRECT   {tag}"), Seed.Archiver));
        DbErrors.UniqueIndexViolated(name).ShouldBe(AppDbContext.NameUniqueIndex);

        // The indexes' filters: Personal names are never compared, Deleted organizations free both.
        await InsertAsync(new PersonalInfo("Same", $"Person{tag}", $"p1.{tag}@example.com", "DE", null), Seed.Personal);
        await InsertAsync(new PersonalInfo("Same", $"Person{tag}", $"p2.{tag}@example.com", "DE", null), Seed.Personal);
        await InsertAsync(Info(NewTag(), email: $"gone.{tag}@example.com", name: $"Gone {tag}"), Seed.Backup, deleted: true);
        await InsertAsync(Info(NewTag(), email: $"gone.{tag}@example.com", name: $"Gone {tag}"), Seed.Backup);
    }

    [Fact]
    public async Task Create_EmptyFieldsInvalidEmailUnknownCountry_ValidationFailedNamingFieldsNothingSaved()
    {
        var before = await CountRowsAsync();

        var empty = await CreateAsync(Seed.Partner, Seed.Backup, NewOrg(Seed.Backup, new PersonalInfo("", "  ", null, "", " ")));
        var invalid = await CreateAsync(Seed.Partner, Seed.Backup,
            NewOrg(Seed.Backup, new PersonalInfo("Ann", "Smith", "not-an-email", "ZZ", $"Valid {NewTag()}")));
        var personal = await CreateAsync(Seed.Partner, Seed.Personal,
            NewOrg(Seed.Personal, new PersonalInfo("Ann", "", "ann@@example.com", "DE", null)));
        var seats = await CreateAsync(Seed.Partner, Seed.Backup, new NewOrganization(Info(NewTag()), false, null));

        Fields(empty).ShouldBe(["firstName", "lastName", "email", "country", "organizationName"], ignoreOrder: true);
        Fields(invalid).ShouldBe(["email", "country"], ignoreOrder: true);
        Fields(personal).ShouldBe(["lastName", "email"], ignoreOrder: true);
        Fields(seats).ShouldBe(["seats"]);
        (await CountRowsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Create_ForPartnerOutsideScope_ValidationFailedOnPartner()
    {
        var before = await CountRowsAsync();

        foreach (var partner in new[] { Seed.Foreign, Seed.Distributor })
        {
            var result = await CreateAsync(partner, Seed.Backup, NewOrg(Seed.Backup, Info(NewTag())), scope: Acting);
            result.Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("partner");
        }

        var unknown = await UseAsync<CreateOrganization, Result<Organization>>(u => u.HandleAsync(
            new CreateOrganizationRequest(Acting, Ann, Guid.NewGuid(), Seed.Backup.Id, NewOrg(Seed.Backup, Info(NewTag()))), default));
        unknown.Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("partner");
        (await CountRowsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Create_ForADeactivatedPartner_PartnerDeactivatedOnPartner_AndNothingSaved()
    {
        var closed = await ReadAsync(async db =>
        {
            var partner = Domain.Partners.Partner.Create($"Closed {NewTag()}", "DE", Seed.Partner, false, Clock.GetUtcNow()).ShouldSucceed();
            partner.Deactivate();
            db.Partners.Add(partner);
            await db.SaveChangesAsync();
            return partner;
        });
        var before = await CountRowsAsync();

        var result = await CreateAsync(closed, Seed.Backup, NewOrg(Seed.Backup, Info(NewTag())), scope: Acting);

        result.Error.ShouldBeOfType<PartnerDeactivated>().Field.ShouldBe("partner");
        result.Error.Code.ShouldBe("partner_deactivated");
        (await CountRowsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Create_PlanNotOfferedToPartner_PlanNotOffered()
    {
        var restricted = await ReadAsync(async db =>
        {
            var partner = Domain.Partners.Partner.Create($"Restricted {NewTag()}", "DE", Seed.Partner, false, Clock.GetUtcNow()).ShouldSucceed();
            db.Partners.Add(partner);
            db.PlanOfferings.Add(new PlanOffering { PartnerId = partner.Id, PlanId = Seed.Backup.Id });
            await db.SaveChangesAsync();
            return partner;
        });
        var before = await CountRowsAsync();

        var archiver = await CreateAsync(restricted, Seed.Archiver, NewOrg(Seed.Archiver, Info(NewTag())), scope: Acting);
        var unknownPlan = await UseAsync<CreateOrganization, Result<Organization>>(u => u.HandleAsync(
            new CreateOrganizationRequest(Acting, Ann, restricted.Id, Guid.NewGuid(), NewOrg(Seed.Backup, Info(NewTag()))), default));

        archiver.Error.ShouldBeOfType<PlanNotOffered>();
        unknownPlan.Error.ShouldBeOfType<PlanNotOffered>();
        (await CountRowsAsync()).ShouldBe(before);

        // The offered plan works, and the restriction also holds for a later plan change.
        var id = (await CreateAsync(restricted, Seed.Backup, NewOrg(Seed.Backup, Info(NewTag())), scope: Acting)).ShouldSucceed().Id;
        (await ChangePlanAsync(Command(id), Seed.Archiver)).Error.ShouldBeOfType<PlanNotOffered>();
        (await LoadAsync(id)).PlanId.ShouldBe(Seed.Backup.Id);
    }

    private static IEnumerable<string> Fields(Result<Organization> result) =>
        result.Error.ShouldBeOfType<ValidationFailed>().Errors.Select(e => e.Field);

    private static async Task<Result<Organization>[]> RaceAsync(
        IServiceProvider services, int count, Func<int, CreateOrganizationRequest> request)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            await using var scope = services.CreateAsyncScope();
            var create = scope.ServiceProvider.GetRequiredService<CreateOrganization>();
            await start.Task;
            return await create.HandleAsync(request(i), default);
        })).ToList();
        start.SetResult();
        return await Task.WhenAll(racers);
    }

    private static void AssertOneWinner<TError>(Result<Organization>[] results)
        where TError : Error
    {
        results.Count(r => r.IsSuccess).ShouldBe(1, string.Join("; ", results.Select(r => r.Error?.ToString() ?? "ok")));
        results.Single(r => !r.IsSuccess).Error.ShouldBeOfType<TError>();
    }

    private Task<int> LiveWithEmailAsync(string email) =>
        ReadAsync(async db =>
        {
            var key = TextKey.Email(email);
            var live = await db.Organizations.Where(o => o.OwnerEmailNormalized == key && o.Status != OrganizationStatus.Deleted)
                .Select(o => o.Id).ToListAsync();
            var created = await db.AuditEntries
                .CountAsync(a => a.EventType == AuditEventType.OrganizationCreated && live.Contains(a.OrganizationId!.Value));
            created.ShouldBe(live.Count);
            return live.Count;
        });

    /// Adds an organization straight through the DbContext, skipping the use case's pre-check.
    private Task InsertAsync(PersonalInfo info, Plan plan, bool deleted = false) =>
        ReadAsync(async db =>
        {
            var now = Clock.GetUtcNow();
            var org = Organization.Create(NewOrg(plan, info), Seed.Partner, plan, now).ShouldSucceed();
            if (deleted)
            {
                org.Delete(now).ShouldSucceed();
            }

            db.Organizations.Add(org);
            return await db.SaveChangesAsync();
        });
}
