using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CredentialsLoginsJournal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "HasMicrosoft365AdminCredentials",
                table: "Organizations",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "JournalAddress",
                table: "Organizations",
                type: "TEXT",
                maxLength: 320,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CredentialSources",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    Label = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Accounts = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    LastBackupAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ActionNeeded = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    HasAdminCredentials = table.Column<bool>(type: "INTEGER", nullable: false),
                    ConnectedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CredentialSources", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CredentialSources_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "LoginAccounts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    EmailNormalized = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    IsOwner = table.Column<bool>(type: "INTEGER", nullable: false),
                    ApiTokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ApiTokenHint = table.Column<string>(type: "TEXT", maxLength: 4, nullable: true),
                    ApiTokenCreatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastSignInAt = table.Column<long>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LoginAccounts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LoginAccounts_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "UX_Organizations_JournalAddress",
                table: "Organizations",
                column: "JournalAddress",
                unique: true,
                filter: "\"JournalAddress\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_CredentialSources_OrganizationId_Kind_Label",
                table: "CredentialSources",
                columns: new[] { "OrganizationId", "Kind", "Label" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LoginAccounts_ApiTokenHash",
                table: "LoginAccounts",
                column: "ApiTokenHash",
                unique: true,
                filter: "\"ApiTokenHash\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_LoginAccounts_EmailNormalized",
                table: "LoginAccounts",
                column: "EmailNormalized");

            migrationBuilder.CreateIndex(
                name: "IX_LoginAccounts_OrganizationId_CreatedAt",
                table: "LoginAccounts",
                columns: new[] { "OrganizationId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CredentialSources");

            migrationBuilder.DropTable(
                name: "LoginAccounts");

            migrationBuilder.DropIndex(
                name: "UX_Organizations_JournalAddress",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "HasMicrosoft365AdminCredentials",
                table: "Organizations");

            migrationBuilder.DropColumn(
                name: "JournalAddress",
                table: "Organizations");
        }
    }
}
