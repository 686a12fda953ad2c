using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CustomerPortal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AuthenticatorKey",
                table: "LoginAccounts",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "FailedSignIns",
                table: "LoginAccounts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "FirstName",
                table: "LoginAccounts",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "IsFullAdministrator",
                table: "LoginAccounts",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "LastName",
                table: "LoginAccounts",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LastTotpStep",
                table: "LoginAccounts",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LockedUntil",
                table: "LoginAccounts",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PasswordHash",
                table: "LoginAccounts",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PasswordSetAt",
                table: "LoginAccounts",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SessionVersion",
                table: "LoginAccounts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "TwoFactorEnabled",
                table: "LoginAccounts",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "ImpersonationTickets",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LoginAccountId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PartnerUserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PartnerUserName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    TokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UsedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    SessionEndsAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImpersonationTickets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ImpersonationTickets_LoginAccounts_LoginAccountId",
                        column: x => x.LoginAccountId,
                        principalTable: "LoginAccounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ImpersonationTickets_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ImpersonationTickets_LoginAccountId",
                table: "ImpersonationTickets",
                column: "LoginAccountId");

            migrationBuilder.CreateIndex(
                name: "IX_ImpersonationTickets_OrganizationId_UsedAt",
                table: "ImpersonationTickets",
                columns: new[] { "OrganizationId", "UsedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ImpersonationTickets_TokenHash",
                table: "ImpersonationTickets",
                column: "TokenHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ImpersonationTickets");

            migrationBuilder.DropColumn(
                name: "AuthenticatorKey",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "FailedSignIns",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "FirstName",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "IsFullAdministrator",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "LastName",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "LastTotpStep",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "LockedUntil",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "PasswordHash",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "PasswordSetAt",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "SessionVersion",
                table: "LoginAccounts");

            migrationBuilder.DropColumn(
                name: "TwoFactorEnabled",
                table: "LoginAccounts");
        }
    }
}
