//! The synthetic citizens of the sample cards. None of them exists: names are common
//! Vietnamese names, numbers are made to pass the checks of a real card (province code,
//! sex and century digit, birth year) and nothing more.

use crate::date::CalendarDate;
use crate::lds::ParentWrapping;
use crate::qr::Sex;

use super::portrait::{HairStyle, PortraitStyle};
use super::{AaAlgorithm, SampleCitizen};

/// Called only in `const` blocks: a date that does not exist fails the build, not a run.
const fn date(year: u16, month: u8, day: u8) -> CalendarDate {
    match CalendarDate::new(year, month, day) {
        Ok(date) => date,
        Err(_) => panic!("a sample citizen's date does not exist"),
    }
}

fn text(value: &str) -> String {
    value.to_owned()
}

/// Four citizens: different provinces (Hà Nội 001, Đà Nẵng 048, Hồ Chí Minh 079, Cần
/// Thơ 092), both sexes, born in the 1960s, 1980s, 1990s and 2000s, each with another
/// wrapping of the parents' names in DG13. The last one's chip signs Active
/// Authentication with RSA-2048 (ISO/IEC 9796-2), the others' with ECDSA P-256.
pub fn sample_citizens() -> Vec<SampleCitizen> {
    vec![
        SampleCitizen {
            id_number: text("001089012345"),
            old_id_number: Some(text("012345678")),
            full_name: text("Nguyễn Văn An"),
            date_of_birth: const { date(1989, 8, 15) },
            sex: Sex::Male,
            ethnicity: text("Kinh"),
            religion: text("Không"),
            place_of_origin: text("Yên Phụ, Yên Phong, Bắc Ninh"),
            place_of_residence: text("Số 12 ngõ 34 Hàng Bông, Hàng Gai, Hoàn Kiếm, Hà Nội"),
            identifying_marks: text("Nốt ruồi C:2cm dưới sau mép trái"),
            father_name: Some(text("Nguyễn Văn Bình")),
            mother_name: Some(text("Trần Thị Hạnh")),
            spouse_name: Some(text("Lê Thị Hoa")),
            issue_date: const { date(2021, 5, 1) },
            parent_wrapping: ParentWrapping::Direct,
            portrait: PortraitStyle {
                skin: [224, 186, 150],
                hair: [30, 26, 24],
                hair_style: HairStyle::Short,
                shirt: [245, 245, 245],
                face_half_width: 0.21,
                glasses: false,
            },
            active_authentication: AaAlgorithm::EcdsaP256,
        },
        SampleCitizen {
            id_number: text("079196004321"),
            old_id_number: Some(text("025678901")),
            full_name: text("Trần Thị Bích Ngọc"),
            date_of_birth: const { date(1996, 3, 2) },
            sex: Sex::Female,
            ethnicity: text("Kinh"),
            religion: text("Phật giáo"),
            place_of_origin: text("Phường 4, Quận 5, Thành phố Hồ Chí Minh"),
            place_of_residence: text("123/4 Nguyễn Trãi, Phường 2, Quận 5, Thành phố Hồ Chí Minh"),
            identifying_marks: text("Sẹo chấm C:1cm trên đuôi mày phải"),
            father_name: Some(text("Trần Văn Đức")),
            mother_name: Some(text("Phạm Thị Lan")),
            spouse_name: None,
            issue_date: const { date(2022, 7, 20) },
            parent_wrapping: ParentWrapping::EachInSequence,
            portrait: PortraitStyle {
                skin: [236, 200, 170],
                hair: [45, 30, 25],
                hair_style: HairStyle::Long,
                shirt: [70, 110, 170],
                face_half_width: 0.19,
                glasses: false,
            },
            active_authentication: AaAlgorithm::EcdsaP256,
        },
        SampleCitizen {
            id_number: text("048205007788"),
            old_id_number: None,
            full_name: text("Lê Hoàng Phúc"),
            date_of_birth: const { date(2005, 11, 30) },
            sex: Sex::Male,
            ethnicity: text("Kinh"),
            religion: text("Công giáo"),
            place_of_origin: text("Hòa Khánh Bắc, Liên Chiểu, Đà Nẵng"),
            place_of_residence: text("45 Lê Duẩn, Hải Châu 1, Hải Châu, Đà Nẵng"),
            identifying_marks: text("Nốt ruồi C:1cm trên trước tai trái"),
            father_name: Some(text("Lê Văn Thắng")),
            mother_name: Some(text("Hoàng Thị Mai")),
            spouse_name: None,
            issue_date: const { date(2021, 12, 10) },
            parent_wrapping: ParentWrapping::BothInSequence,
            portrait: PortraitStyle {
                skin: [210, 170, 135],
                hair: [20, 20, 22],
                hair_style: HairStyle::Short,
                shirt: [40, 40, 45],
                face_half_width: 0.23,
                glasses: true,
            },
            active_authentication: AaAlgorithm::EcdsaP256,
        },
        SampleCitizen {
            id_number: text("092168003456"),
            old_id_number: Some(text("361234567")),
            full_name: text("Phạm Thị Hồng Nhung"),
            date_of_birth: const { date(1968, 1, 25) },
            sex: Sex::Female,
            ethnicity: text("Khmer"),
            religion: text("Phật giáo"),
            place_of_origin: text("Thới Lai, Cờ Đỏ, Cần Thơ"),
            place_of_residence: text("78 Mậu Thân, Xuân Khánh, Ninh Kiều, Cần Thơ"),
            identifying_marks: text("Nốt ruồi C:1,5cm dưới trước cánh mũi phải"),
            father_name: Some(text("Phạm Văn Tư")),
            mother_name: Some(text("Võ Thị Út")),
            spouse_name: Some(text("Đặng Văn Hùng")),
            issue_date: const { date(2021, 3, 15) },
            parent_wrapping: ParentWrapping::EachInSequence,
            portrait: PortraitStyle {
                skin: [200, 160, 125],
                hair: [90, 85, 85],
                hair_style: HairStyle::Bun,
                shirt: [150, 60, 80],
                face_half_width: 0.2,
                glasses: true,
            },
            active_authentication: AaAlgorithm::Rsa2048,
        },
    ]
}
