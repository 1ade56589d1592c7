// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Consecutive} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Consecutive.sol";

/// ERC-2309: batches minted while constructing emit one ConsecutiveTransfer each and no
/// per-token Transfer (OpenZeppelin allows 5000 per batch).
contract TestERC721Consecutive is ERC721Consecutive {
    string private base;

    constructor(string memory base_, address[] memory receivers, uint96[] memory amounts)
        ERC721("Consecutive721", "C721")
    {
        base = base_;
        for (uint256 i = 0; i < receivers.length; ++i) {
            _mintConsecutive(receivers[i], amounts[i]);
        }
    }

    function _baseURI() internal view override returns (string memory) {
        return base;
    }
}
