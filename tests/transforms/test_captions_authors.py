"""Bylines into people and organisations; gallery residue into captions and credits."""

import pytest

from transforms.authors import parse_byline
from transforms.captions import parse_caption, split_caption_lines


@pytest.mark.parametrize(
    ("byline", "people", "orgs"),
    [
        ("By Ana Ruiz and Tom Lee", ["Ana Ruiz", "Tom Lee"], []),
        ("BY JOHN SMITH", ["John Smith"], []),
        ("Linda Rosencrance Contributing Writer", ["Linda Rosencrance"], []),
        ("Matthew Frankel, CFP", ["Matthew Frankel"], []),
        (
            "Manoj Jain and Jagpreet Chhatwal, The Commercial Appeal",
            ["Manoj Jain", "Jagpreet Chhatwal"],
            ["The Commercial Appeal"],
        ),
        ("Ana Ruiz | Reuters", ["Ana Ruiz"], ["Reuters"]),
        ("Staff", [], ["Staff"]),
        ("TOI Lifestyle Desk", [], ["TOI Lifestyle Desk"]),
        ("Posted by BeauHD on Friday December 19, 2025 @11:30PM", ["BeauHD"], []),
        ("Jean-Luc Aufranc (CNXSoft)", ["Jean-Luc Aufranc"], []),
        ("By Ana Ruiz Updated: 3 Nov 2026", ["Ana Ruiz"], []),
        ("María José García-López", ["María José García-López"], []),
        ("", [], []),
        # weekdays, months and datelines are not names, in the languages we meet
        ("Donnerstag", [], []),
        ("Von Hans Meier, Donnerstag", ["Hans Meier"], []),
        ("Par Claire Dubois, mercredi", ["Claire Dubois"], []),
        ("Ana Ruiz, Nov.", ["Ana Ruiz"], []),
        ("Priya Nair, November 24, 2025", ["Priya Nair"], []),
        ("By Lena Park, SEOUL", ["Lena Park"], []),
        ("Tomás Ortega, Madrid", ["Tomás Ortega"], []),
        # a month that is also a surname stays
        ("Tom May", ["Tom May"], []),
        ("June Carter and April Ryan", ["June Carter", "April Ryan"], []),
        # labels glued to the name where the markup had no space between them
        ("ByKaren Osei", ["Karen Osei"], []),
        ("Written byRahul Mehta", ["Rahul Mehta"], []),
        ("Written By:Elena SokolovaLast updated", ["Elena Sokolova"], []),
        ("Byron Hale", ["Byron Hale"], []),
        ("Nadia KaramEditor", ["Nadia Karam"], []),
        ("Owen Price Product Marketing Manager", ["Owen Price"], []),
        ("Ines Duarte October", ["Ines Duarte"], []),
        ("“Kofi Mensah”", ["Kofi Mensah"], []),
        # a label alone, or a first word that is also a town, stays what it is
        ("Updated", [], []),
        ("Written by", [], []),
        ("Austin, Lee", ["Austin", "Lee"], []),
        # a generic label is kept, as an organisation-type author, when it is all there is
        ("Staff Writer", [], ["Staff Writer"]),
        ("Support Team", [], ["Support Team"]),
        ("admin", [], ["admin"]),
        ("Redaktion", [], ["Redaktion"]),
    ],
)
def test_parse_byline(byline, people, orgs):
    assert parse_byline(byline) == (people, orgs)


def test_site_name_is_an_organisation():
    assert parse_byline("Clemson News", {"Clemson News"}) == ([], ["Clemson News"])
    assert parse_byline("Harbor Herald", {"harborherald"}) == ([], ["Harbor Herald"])


def test_gallery_lines_become_captions_and_leave_the_text():
    text = (
        "First paragraph.\n"
        "2 View gallery The U.S. embassy in Baghdad ( Photo:Khalid Mohammed / AP )\n"
        "Second paragraph mentions a photo (not a credit).\n"
        "Mourners in Basra ( Photo: AFP )"
    )
    clean, credits = split_caption_lines(text)
    assert clean == "First paragraph.\nSecond paragraph mentions a photo (not a credit)."
    assert [(c.caption, c.credit_person, c.credit_agency) for c in credits] == [
        ("The U.S. embassy in Baghdad", "Khalid Mohammed", "AP"),
        ("Mourners in Basra", None, "AFP"),
    ]


def test_outlet_credit_and_plain_text_are_told_apart():
    credit = parse_caption("Volunteers at the centre ( Photo: Ruth Ashdown / Valley Ledger )")
    assert (credit.credit_person, credit.credit_agency) == ("Ruth Ashdown", "Valley Ledger")
    assert parse_caption("An ordinary sentence about a photo exhibition.") is None
