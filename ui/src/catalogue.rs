//! The procedure catalogue as the citizen sees it: the chosen category, the search, and the
//! procedures most used at this kiosk first.
//!
//! Search ignores case and Vietnamese diacritics, because people type "ho khau" on a
//! touchscreen as often as "hộ khẩu", and every word typed must appear in the name or the
//! code.

use std::rc::Rc;

use slint::{ModelRc, VecModel};
use unicode_normalization::UnicodeNormalization;

use crate::{CategoryItem, ProcedureItem};

/// How many of the most used procedures are marked "often used".
const POPULAR_COUNT: usize = 3;

/// One category of procedures (civil status, residence, land…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub name: String,
}

/// One procedure the kiosk can file, with what the citizen needs to know before choosing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub code: String,
    pub name: String,
    pub category: String,
    /// The fee, formatted for the screen ("Miễn phí", "50.000 đ").
    pub fee: String,
    pub processing_time: String,
    /// How often it was filed at this kiosk lately; orders the list.
    pub uses: u32,
}

/// What the catalogue screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogueView {
    pub categories: Vec<Category>,
    pub procedures: Vec<Procedure>,
    /// The chosen category's code; `None` shows every category.
    pub category: Option<String>,
    pub query: String,
    /// The list comes from the disk cache because the back end cannot be reached.
    pub offline: bool,
}

/// Lower case without diacritics, đ as d: what search compares.
pub fn fold_for_search(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

impl CatalogueView {
    /// The procedures to list: in the chosen category, matching every word of the query,
    /// most used first, then by name.
    pub fn visible(&self) -> Vec<&Procedure> {
        let words: Vec<String> = fold_for_search(&self.query)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let mut shown: Vec<&Procedure> = self
            .procedures
            .iter()
            .filter(|procedure| {
                self.category
                    .as_ref()
                    .is_none_or(|category| &procedure.category == category)
            })
            .filter(|procedure| {
                let haystack = fold_for_search(&format!("{} {}", procedure.name, procedure.code));
                words.iter().all(|word| haystack.contains(word.as_str()))
            })
            .collect();
        shown.sort_by(|a, b| b.uses.cmp(&a.uses).then_with(|| a.name.cmp(&b.name)));
        shown
    }

    /// The codes of the procedures marked "often used": the few most used, if used at all.
    fn popular(&self) -> Vec<&str> {
        let mut by_use: Vec<&Procedure> = self.procedures.iter().filter(|p| p.uses > 0).collect();
        by_use.sort_by_key(|procedure| std::cmp::Reverse(procedure.uses));
        by_use
            .into_iter()
            .take(POPULAR_COUNT)
            .map(|procedure| procedure.code.as_str())
            .collect()
    }

    pub(crate) fn category_items(&self) -> ModelRc<CategoryItem> {
        let items: Vec<CategoryItem> = self
            .categories
            .iter()
            .map(|category| CategoryItem {
                code: category.code.as_str().into(),
                name: category.name.as_str().into(),
                selected: self.category.as_ref() == Some(&category.code),
            })
            .collect();
        ModelRc::from(Rc::new(VecModel::from(items)))
    }

    pub(crate) fn procedure_items(&self) -> ModelRc<ProcedureItem> {
        let popular = self.popular();
        let names: std::collections::HashMap<&str, &str> = self
            .categories
            .iter()
            .map(|category| (category.code.as_str(), category.name.as_str()))
            .collect();
        let items: Vec<ProcedureItem> = self
            .visible()
            .into_iter()
            .map(|procedure| ProcedureItem {
                code: procedure.code.as_str().into(),
                name: procedure.name.nfc().collect::<String>().into(),
                category: names
                    .get(procedure.category.as_str())
                    .copied()
                    .unwrap_or(procedure.category.as_str())
                    .into(),
                fee: procedure.fee.as_str().into(),
                processing_time: procedure.processing_time.as_str().into(),
                popular: popular.contains(&procedure.code.as_str()),
            })
            .collect();
        ModelRc::from(Rc::new(VecModel::from(items)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn procedure(code: &str, name: &str, category: &str, uses: u32) -> Procedure {
        Procedure {
            code: code.into(),
            name: name.into(),
            category: category.into(),
            fee: "0".into(),
            processing_time: "1".into(),
            uses,
        }
    }

    fn sample() -> CatalogueView {
        CatalogueView {
            categories: vec![
                Category {
                    code: "cu-tru".into(),
                    name: "Cư trú".into(),
                },
                Category {
                    code: "ho-tich".into(),
                    name: "Hộ tịch".into(),
                },
            ],
            procedures: vec![
                procedure("1.004194", "Đăng ký khai sinh", "ho-tich", 40),
                procedure("1.001612", "Đăng ký thường trú", "cu-tru", 90),
                procedure("1.000656", "Đăng ký kết hôn", "ho-tich", 5),
                procedure("2.000908", "Xác nhận thông tin cư trú", "cu-tru", 0),
            ],
            ..CatalogueView::default()
        }
    }

    #[test]
    fn most_used_come_first() {
        let view = sample();
        let codes: Vec<&str> = view.visible().iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["1.001612", "1.004194", "1.000656", "2.000908"]);
        assert_eq!(view.popular(), ["1.001612", "1.004194", "1.000656"]);
    }

    #[test]
    fn search_ignores_case_and_diacritics() {
        let mut view = sample();
        view.query = "dang ky KHAI".into();
        let names: Vec<&str> = view.visible().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Đăng ký khai sinh"]);
        view.query = "cư trú".into();
        assert_eq!(
            view.visible().len(),
            1,
            "name words, not the category, match"
        );
        view.query = "1.000656".into();
        assert_eq!(view.visible()[0].name, "Đăng ký kết hôn");
        view.query = "hộ chiếu".into();
        assert!(view.visible().is_empty());
    }

    #[test]
    fn a_category_narrows_the_list() {
        let mut view = sample();
        view.category = Some("ho-tich".into());
        assert!(view.visible().iter().all(|p| p.category == "ho-tich"));
        assert_eq!(view.visible().len(), 2);
    }

    #[test]
    fn folding_handles_combining_marks() {
        // "ệ" typed as e + circumflex + dot below.
        assert_eq!(fold_for_search("Hu\u{0065}\u{0302}\u{0323}"), "hue");
        assert_eq!(fold_for_search("ĐỒNG"), "dong");
    }
}
